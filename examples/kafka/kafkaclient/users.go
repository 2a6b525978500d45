package kafkaclient

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"errors"
	"fmt"
	"slices"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/xdg-go/stringprep"
)

// SCRAMIterations is the PBKDF2 iteration count of the credentials
// SetUser stores: Kafka's minimum for SCRAM-SHA-512 (and kafka-configs'
// default).
const SCRAMIterations = 4096

// ErrBadPassword is a password SASLprep refuses (RFC 4013: prohibited or
// unassigned characters), or an empty one.
var ErrBadPassword = errors.New("the password is empty or not a valid SASLprep string")

// Users are the names of the users with SCRAM credentials, sorted, as
// the first bootstrap broker that answers describes them.
func (a *Admin) Users(ctx context.Context) ([]string, error) {
	var errs []error
	for _, addr := range a.bootstrap {
		c, err := DialSecure(ctx, addr, a.sec)
		if err == nil {
			var users []string
			users, err = c.users(ctx)
			c.Close()
			if err == nil {
				return users, nil
			}
		}
		errs = append(errs, fmt.Errorf("%s: %w", addr, err))
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("describe SCRAM users: %w", errors.Join(errs...))
}

// users asks for every user's SCRAM credentials (a null user list: kafka-go
// sends an empty one, which describes none).
func (c *Conn) users(ctx context.Context) ([]string, error) {
	req := kmsg.NewPtrDescribeUserSCRAMCredentialsRequest()
	v, err := c.version(protocol.ApiKey(req.Key()), 0, req.MaxVersion())
	if err != nil {
		return nil, err
	}
	req.SetVersion(v)
	resp := req.ResponseKind().(*kmsg.DescribeUserSCRAMCredentialsResponse)
	if err := c.rawRoundTrip(ctx, req, resp); err != nil {
		return nil, err
	}
	if resp.ErrorCode != 0 {
		return nil, kafka.Error(resp.ErrorCode)
	}
	out := []string{}
	for _, r := range resp.Results {
		if r.ErrorCode != 0 {
			return nil, fmt.Errorf("user %s: %w", r.User, kafka.Error(r.ErrorCode))
		}
		out = append(out, r.User)
	}
	slices.Sort(out)
	return out, nil
}

// SetUser creates the user name, or changes its password, with
// SCRAM-SHA-512 credentials: a random salt and the salted password
// (PBKDF2-HMAC-SHA-512 of the SASLprep'd password, SCRAMIterations); the
// password itself never leaves this process.
func (a *Admin) SetUser(ctx context.Context, name, password string) error {
	prepared, err := stringprep.SASLprep.Prepare(password)
	if err != nil || prepared == "" {
		return ErrBadPassword
	}
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	salted, err := pbkdf2.Key(sha512.New, prepared, salt, SCRAMIterations, sha512.Size)
	if err != nil {
		return fmt.Errorf("SCRAM credentials of %s: %w", name, err)
	}
	return a.alterUsers(ctx, name, &kafka.AlterUserScramCredentialsRequest{Upsertions: []kafka.UserScramCredentialsUpsertion{{
		Name: name, Mechanism: kafka.ScramMechanismSha512, Iterations: SCRAMIterations, Salt: salt, SaltedPassword: salted}}})
}

// RemoveUser deletes the SCRAM-SHA-512 credentials of the user name; a
// user without them is an error wrapping kafka.ResourceNotFound.
func (a *Admin) RemoveUser(ctx context.Context, name string) error {
	return a.alterUsers(ctx, name, &kafka.AlterUserScramCredentialsRequest{Deletions: []kafka.UserScramCredentialsDeletion{{
		Name: name, Mechanism: kafka.ScramMechanismSha512}}})
}

func (a *Admin) alterUsers(ctx context.Context, name string, req *kafka.AlterUserScramCredentialsRequest) error {
	res, err := a.client.AlterUserScramCredentials(ctx, req)
	if err != nil {
		return fmt.Errorf("alter SCRAM user %s: %w", name, err)
	}
	for _, r := range res.Results {
		if r.Error != nil {
			return fmt.Errorf("alter SCRAM user %s: %w", name, r.Error)
		}
	}
	return nil
}

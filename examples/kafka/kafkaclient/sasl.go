package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/scram"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// SCRAM are SASL/SCRAM-SHA-512 credentials. Password is a secret: String
// leaves it out, so that printing the credentials shows none.
type SCRAM struct {
	User     string
	Password string
}

// String names the user only.
func (s SCRAM) String() string { return "SCRAM-SHA-512 user " + s.User }

// GoString names the user only (%#v).
func (s SCRAM) GoString() string { return s.String() }

// MechanismSCRAM512 is the SASL mechanism SCRAM uses.
const MechanismSCRAM512 = "SCRAM-SHA-512"

// ErrAuthentication is a broker refusing the client's credentials.
var ErrAuthentication = errors.New("SASL authentication failed")

// mechanism is s's SASL mechanism (kafka-go's SCRAM client, RFC 5802).
func (s *SCRAM) mechanism() (sasl.Mechanism, error) {
	m, err := scram.Mechanism(scram.SHA512, s.User, s.Password)
	if err != nil {
		return nil, fmt.Errorf("SCRAM: %w", err)
	}
	return m, nil
}

// authenticate runs SASL with s on the connection: SaslHandshake v1 for
// SCRAM-SHA-512, then SaslAuthenticate until the mechanism is done. The
// kafka-go transport does this itself for the Admin's other requests.
func (c *Conn) authenticate(ctx context.Context, s *SCRAM) error {
	m, err := s.mechanism()
	if err != nil {
		return err
	}
	hs := kmsg.NewPtrSASLHandshakeRequest()
	if _, err := c.version(protocol.ApiKey(hs.Key()), 1, 1); err != nil {
		return fmt.Errorf("SaslHandshake: %w", err)
	}
	hs.SetVersion(1)
	hs.Mechanism = MechanismSCRAM512
	hsResp := hs.ResponseKind().(*kmsg.SASLHandshakeResponse)
	if err := c.rawRoundTrip(ctx, hs, hsResp); err != nil {
		return fmt.Errorf("SaslHandshake: %w", err)
	}
	if hsResp.ErrorCode != 0 {
		return fmt.Errorf("SaslHandshake %s (the broker offers %v): %w", MechanismSCRAM512, hsResp.SupportedMechanisms, kafka.Error(hsResp.ErrorCode))
	}
	state, msg, err := m.Start(ctx)
	if err != nil {
		return fmt.Errorf("SCRAM: %w", err)
	}
	auth := kmsg.NewPtrSASLAuthenticateRequest()
	v, err := c.version(protocol.ApiKey(auth.Key()), 0, auth.MaxVersion())
	if err != nil {
		return fmt.Errorf("SaslAuthenticate: %w", err)
	}
	for {
		req := kmsg.NewPtrSASLAuthenticateRequest()
		req.SetVersion(v)
		req.SASLAuthBytes = msg
		resp := req.ResponseKind().(*kmsg.SASLAuthenticateResponse)
		if err := c.rawRoundTrip(ctx, req, resp); err != nil {
			if errors.Is(err, io.EOF) && ctx.Err() == nil {
				// Some brokers (kfake) close the connection instead
				// of answering SASL_AUTHENTICATION_FAILED.
				return fmt.Errorf("%w as %s: the broker closed the connection", ErrAuthentication, s.User)
			}
			return fmt.Errorf("SaslAuthenticate: %w", err)
		}
		if resp.ErrorCode != 0 {
			return fmt.Errorf("%w as %s: %w", ErrAuthentication, s.User, kafka.Error(resp.ErrorCode))
		}
		done, next, err := state.Next(ctx, resp.SASLAuthBytes)
		if err != nil {
			return fmt.Errorf("%w as %s: %w", ErrAuthentication, s.User, err)
		}
		if done {
			return nil
		}
		msg = next
	}
}

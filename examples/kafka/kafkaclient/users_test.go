package kafkaclient

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// TestSCRAMUsers: against three kfake brokers that require SASL, an Admin
// authenticated as the SCRAM-SHA-512 superuser adds a user, who can then
// authenticate at every broker, lists users, changes the password (the
// old one is refused), and removes the user (who is then refused);
// removing an unknown user is RESOURCE_NOT_FOUND. Without credentials,
// or with wrong ones, nothing is answered.
func TestSCRAMUsers(t *testing.T) {
	ctx := testContext(t)
	_, addrs := newCluster(t, 3, kfake.EnableSASL(), kfake.Superuser(MechanismSCRAM512, "kennel-admin", "admin-secret"))
	admin := NewSecureAdmin(Security{SCRAM: &SCRAM{User: "kennel-admin", Password: "admin-secret"}}, addrs...)
	defer admin.Close()

	if _, err := admin.Describe(ctx); err != nil {
		t.Fatalf("metadata as the superuser: %v", err)
	}
	if err := admin.SetUser(ctx, "alice", "wonderland"); err != nil {
		t.Fatal(err)
	}
	users, err := admin.Users(ctx)
	if err != nil || !slices.Equal(users, []string{"alice", "kennel-admin"}) {
		t.Fatalf("users %v, %v; want alice and kennel-admin", users, err)
	}
	login := func(user, password string) error {
		for _, addr := range addrs {
			c, err := DialSecure(ctx, addr, Security{SCRAM: &SCRAM{User: user, Password: password}})
			if err != nil {
				return fmt.Errorf("%s: %w", addr, err)
			}
			c.Close()
		}
		return nil
	}
	if err := login("alice", "wonderland"); err != nil {
		t.Fatalf("alice's login: %v", err)
	}
	if err := login("alice", "guess"); !errors.Is(err, ErrAuthentication) {
		t.Errorf("alice with a wrong password: %v, want ErrAuthentication", err)
	}
	if err := admin.SetUser(ctx, "alice", "looking-glass"); err != nil {
		t.Fatal(err)
	}
	if err := login("alice", "wonderland"); !errors.Is(err, ErrAuthentication) {
		t.Errorf("alice's old password after a change: %v, want ErrAuthentication", err)
	}
	if err := login("alice", "looking-glass"); err != nil {
		t.Errorf("alice's new password: %v", err)
	}
	if err := admin.RemoveUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := login("alice", "looking-glass"); !errors.Is(err, ErrAuthentication) {
		t.Errorf("removed alice: %v, want ErrAuthentication", err)
	}
	if err := admin.RemoveUser(ctx, "nobody"); !errors.Is(err, kafka.ResourceNotFound) {
		t.Errorf("removing an unknown user: %v, want RESOURCE_NOT_FOUND", err)
	}
	if err := admin.SetUser(ctx, "bob", ""); !errors.Is(err, ErrBadPassword) {
		t.Errorf("an empty password: %v, want ErrBadPassword", err)
	}

	anonymous := NewAdmin(addrs[0])
	defer anonymous.Close()
	if _, err := anonymous.Describe(ctx); err == nil {
		t.Error("metadata without credentials from brokers that require SASL")
	}
}

// TestSCRAMString: printing credentials never shows the password.
func TestSCRAMString(t *testing.T) {
	s := SCRAM{User: "alice", Password: "wonderland"}
	for _, got := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, &s), fmt.Sprintf("%v %+v", &s, Security{SCRAM: &s})} {
		if !strings.Contains(got, "alice") || strings.Contains(got, "wonderland") {
			t.Errorf("printed credentials %q: want the user, never the password", got)
		}
	}
}

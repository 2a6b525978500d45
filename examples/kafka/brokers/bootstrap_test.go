package brokers_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/certs"
	"github.com/kennel-sdk/kennel/examples/kafka/brokers"
	"github.com/kennel-sdk/kennel/scheduler"
)

type failing struct{}

func (failing) Tasks(context.Context) ([]scheduler.TaskView, error) {
	return nil, errors.New("store down")
}

// withCA is a task source whose EnvView has the service's CA certificate
// ca and the admin password admin (when not empty).
type withCA struct {
	brokers.TaskSource
	ca    []byte
	admin string
}

func (s withCA) EnvView(context.Context) (scheduler.EnvView, error) {
	v := scheduler.EnvView{CACert: s.ca}
	if s.admin != "" {
		v.SecretSeeds = map[string]string{brokers.SeedSCRAMAdmin: s.admin}
	}
	return v, nil
}

// tlsCluster is three live brokers with TLS listeners (port 4xxxx), and a
// PLAINTEXT one too when plaintext, requiring SASL/SCRAM when scram.
func tlsCluster(plaintext, scram bool) brokers.TaskSource {
	var ts tasks
	for i := range 3 {
		env := brokerEnv(i, i == 0)
		env[brokers.VarTLSSection], env[brokers.VarBrokerPortTLS] = "true", fmt.Sprint(41000+1000*i)
		if plaintext {
			env[brokers.VarPlaintextSection] = "true"
		}
		if scram {
			env[brokers.VarSCRAMSection] = "true"
		}
		ts = append(ts, brokerView(i, true, env))
	}
	return ts
}

// TestBootstrap: the topic API's bootstrap addresses are the live
// brokers' advertised listeners, in node id order: the PLAINTEXT ones
// when they have them, else the SSL ones, talked to over TLS trusting
// only the service's CA, logged in as the admin when they require SCRAM;
// a store error, TLS-only brokers without a CA, or SCRAM without the
// admin's password, is an error.
func TestBootstrap(t *testing.T) {
	ca, err := certs.NewCA("kafka", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		src       brokers.ServiceSource
		want      []string
		wantTLS   bool
		wantSCRAM bool
		err       error
	}{
		{"cluster", withCA{cluster(), nil, ""}, []string{"127.0.1.1:31000", "127.0.1.3:33000", "127.0.1.4:34000"}, false, false, nil},
		{"none", withCA{tasks{}, nil, ""}, nil, false, false, nil},
		{"store error", withCA{failing{}, nil, ""}, nil, false, false, errors.New("")},
		{"TLS only", withCA{tlsCluster(false, false), ca.CertPEM(), ""}, []string{"127.0.1.1:41000", "127.0.1.2:42000", "127.0.1.3:43000"}, true, false, nil},
		{"TLS and plaintext", withCA{tlsCluster(true, false), nil, ""}, []string{"127.0.1.1:31000", "127.0.1.2:32000", "127.0.1.3:33000"}, false, false, nil},
		{"TLS only without a CA", withCA{tlsCluster(false, false), nil, ""}, nil, false, false, brokers.ErrNoCA},
		{"TLS and SCRAM", withCA{tlsCluster(false, true), ca.CertPEM(), "adm1n"}, []string{"127.0.1.1:41000", "127.0.1.2:42000", "127.0.1.3:43000"}, true, true, nil},
		{"SASL_PLAINTEXT", withCA{tlsCluster(true, true), nil, "adm1n"}, []string{"127.0.1.1:31000", "127.0.1.2:32000", "127.0.1.3:33000"}, false, true, nil},
		{"SCRAM without the admin password", withCA{tlsCluster(true, true), nil, ""}, nil, false, false, brokers.ErrNoAdminLogin},
	} {
		got, sec, err := brokers.Bootstrap(c.src)(context.Background())
		switch {
		case c.err == nil && err != nil, c.err != nil && err == nil:
			t.Errorf("%s: error %v, want %v", c.name, err, c.err)
		case c.err != nil && c.err.Error() != "" && !errors.Is(err, c.err):
			t.Errorf("%s: error %v, want one wrapping %v", c.name, err, c.err)
		}
		if !slices.Equal(got, c.want) || (sec.TLS != nil) != c.wantTLS || (sec.SCRAM != nil) != c.wantSCRAM {
			t.Errorf("%s: %v (TLS %v, SCRAM %v), want %v (TLS %v, SCRAM %v)", c.name, got, sec.TLS != nil, sec.SCRAM != nil, c.want, c.wantTLS, c.wantSCRAM)
		}
		if c.wantSCRAM && (sec.SCRAM.User != brokers.AdminUser || sec.SCRAM.Password != "adm1n") {
			t.Errorf("%s: login %v", c.name, sec.SCRAM)
		}
	}
}

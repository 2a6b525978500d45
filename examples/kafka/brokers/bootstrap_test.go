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

// withCA is a task source with the service's CA certificate (none: an
// error, as the runtime's Backend answers).
type withCA struct {
	brokers.TaskSource
	ca []byte
}

func (s withCA) CACertificate() ([]byte, error) {
	if s.ca == nil {
		return nil, errors.New("no CA")
	}
	return s.ca, nil
}

// tlsCluster is three live brokers with TLS listeners (port 4xxxx), and a
// PLAINTEXT one too when plaintext.
func tlsCluster(plaintext bool) brokers.TaskSource {
	var ts tasks
	for i := range 3 {
		env := brokerEnv(i, i == 0)
		env[brokers.VarTLSSection], env[brokers.VarBrokerPortTLS] = "true", fmt.Sprint(41000+1000*i)
		if plaintext {
			env[brokers.VarPlaintextSection] = "true"
		}
		ts = append(ts, brokerView(i, true, env))
	}
	return ts
}

// TestBootstrap: the topic API's bootstrap addresses are the live
// brokers' advertised listeners, in node id order: the PLAINTEXT ones
// when they have them, else the SSL ones, talked to over TLS trusting
// only the service's CA; a store error, or TLS-only brokers without a CA,
// is an error.
func TestBootstrap(t *testing.T) {
	ca, err := certs.NewCA("kafka", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		src     brokers.ServiceSource
		want    []string
		wantTLS bool
		err     error
	}{
		{"cluster", withCA{cluster(), nil}, []string{"127.0.1.1:31000", "127.0.1.3:33000", "127.0.1.4:34000"}, false, nil},
		{"none", withCA{tasks{}, nil}, nil, false, nil},
		{"store error", withCA{failing{}, nil}, nil, false, errors.New("")},
		{"TLS only", withCA{tlsCluster(false), ca.CertPEM()}, []string{"127.0.1.1:41000", "127.0.1.2:42000", "127.0.1.3:43000"}, true, nil},
		{"TLS and plaintext", withCA{tlsCluster(true), nil}, []string{"127.0.1.1:31000", "127.0.1.2:32000", "127.0.1.3:33000"}, false, nil},
		{"TLS only without a CA", withCA{tlsCluster(false), nil}, nil, false, brokers.ErrNoCA},
	} {
		got, sec, err := brokers.Bootstrap(c.src)(context.Background())
		switch {
		case c.err == nil && err != nil, c.err != nil && err == nil:
			t.Errorf("%s: error %v, want %v", c.name, err, c.err)
		case errors.Is(c.err, brokers.ErrNoCA) && !errors.Is(err, brokers.ErrNoCA):
			t.Errorf("%s: error %v, want one wrapping ErrNoCA", c.name, err)
		}
		if !slices.Equal(got, c.want) || (sec.TLS != nil) != c.wantTLS {
			t.Errorf("%s: %v (TLS %v), want %v (TLS %v)", c.name, got, sec.TLS != nil, c.want, c.wantTLS)
		}
	}
}

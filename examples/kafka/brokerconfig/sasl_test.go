package brokerconfig

import (
	"errors"
	"strings"
	"testing"
)

// saslBase is a broker whose SSL listener is SASL_SSL.
const saslBase = `process.roles=broker
node.id=1
listeners=SSL://:9093
listener.security.protocol.map=SSL:%s,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=/data
`

func TestSCRAMLogin(t *testing.T) {
	jaas := `listener.name.ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="kennel-admin" password="p4ss=w0rd";`
	cases := []struct {
		name, protocol, extra string
		user, password        string
		ok                    bool
		err                   string
	}{
		{"no SASL", "SSL", "", "", "", false, ""},
		{"SASL_SSL", "SASL_SSL", "sasl.enabled.mechanisms=SCRAM-SHA-512\n" + jaas, "kennel-admin", "p4ss=w0rd", true, ""},
		{"SASL_PLAINTEXT, two mechanisms", "SASL_PLAINTEXT", "sasl.enabled.mechanisms=PLAIN, SCRAM-SHA-512\n" + jaas, "kennel-admin", "p4ss=w0rd", true, ""},
		{"mechanism missing", "SASL_SSL", "sasl.enabled.mechanisms=PLAIN\n" + jaas, "", "", false, "sasl.enabled.mechanisms must list SCRAM-SHA-512"},
		{"no JAAS entry", "SASL_SSL", "sasl.enabled.mechanisms=SCRAM-SHA-512\n", "", "", false, "must be a ScramLoginModule entry"},
		{"no password", "SASL_SSL", "sasl.enabled.mechanisms=SCRAM-SHA-512\nlistener.name.ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"a\";",
			"", "", false, `needs username="…" and password="…"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := FromProperties(parse(t, strings.Replace(saslBase, "%s", c.protocol, 1)+c.extra+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			user, password, ok, err := cfg.SCRAMLogin()
			if c.err != "" {
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.err) {
					t.Errorf("error %v, want %q", err, c.err)
				}
				if err != nil && strings.Contains(err.Error(), "p4ss") {
					t.Errorf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil || user != c.user || password != c.password || ok != c.ok {
				t.Errorf("SCRAMLogin = %q, %q, %v, %v; want %q, %q, %v", user, password, ok, err, c.user, c.password, c.ok)
			}
			if cfg.TLS() != strings.HasSuffix(c.protocol, "SSL") || cfg.SASL() != strings.HasPrefix(c.protocol, "SASL_") {
				t.Errorf("TLS %v SASL %v for %s", cfg.TLS(), cfg.SASL(), c.protocol)
			}
		})
	}
}

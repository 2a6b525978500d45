package brokerconfig

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// MechanismSCRAM512 is the only SASL mechanism the Kafka service enables.
const MechanismSCRAM512 = "SCRAM-SHA-512"

// SASL reports whether the broker listener requires SASL (SASL_PLAINTEXT
// or SASL_SSL).
func (c Config) SASL() bool { return strings.HasPrefix(c.Listener.Protocol, "SASL_") }

// TLS reports whether the broker listener speaks TLS (SSL or SASL_SSL).
func (c Config) TLS() bool { return c.Listener.Protocol == "SSL" || c.Listener.Protocol == "SASL_SSL" }

// jaasOption is one key="value" option of a JAAS login module entry.
var jaasOption = regexp.MustCompile(`(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"`)

// SCRAMLogin is the SCRAM-SHA-512 login of the broker listener when it
// requires SASL: the username and password of its
// listener.name.<name>.scram-sha-512.sasl.jaas.config (ScramLoginModule),
// which Kafka logs in with between brokers, and which the test broker
// takes as its superuser and the readiness probe logs in with. ok is
// false for a listener without SASL. An error says what is missing:
// SCRAM-SHA-512 in sasl.enabled.mechanisms, the JAAS entry, its username
// or password. Errors never hold the password.
func (c Config) SCRAMLogin() (user, password string, ok bool, err error) {
	if !c.SASL() {
		return "", "", false, nil
	}
	get := func(key string) string { v, _ := c.Props.Get(key); return strings.TrimSpace(v) }
	var mechs []string
	for _, m := range strings.Split(get("sasl.enabled.mechanisms"), ",") {
		mechs = append(mechs, strings.TrimSpace(m))
	}
	if !slices.Contains(mechs, MechanismSCRAM512) {
		return "", "", false, fmt.Errorf("%w: listener %s is %s: sasl.enabled.mechanisms must list %s", ErrInvalid,
			c.Listener.Name, c.Listener.Protocol, MechanismSCRAM512)
	}
	key := "listener.name." + strings.ToLower(c.Listener.Name) + "." + strings.ToLower(MechanismSCRAM512) + ".sasl.jaas.config"
	jaas := get(key)
	if !strings.Contains(jaas, "ScramLoginModule") {
		return "", "", false, fmt.Errorf("%w: listener %s is %s: %s must be a ScramLoginModule entry", ErrInvalid,
			c.Listener.Name, c.Listener.Protocol, key)
	}
	opts := map[string]string{}
	for _, m := range jaasOption.FindAllStringSubmatch(jaas, -1) {
		opts[m[1]] = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(m[2])
	}
	if opts["username"] == "" || opts["password"] == "" {
		return "", "", false, fmt.Errorf("%w: %s needs username=\"…\" and password=\"…\"", ErrInvalid, key)
	}
	return opts["username"], opts["password"], true, nil
}

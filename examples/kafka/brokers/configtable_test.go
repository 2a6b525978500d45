package brokers_test

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// brokerConfig is one row of testdata/kafka-broker-configs.tsv.
type brokerConfig struct {
	name, typ, valid string
}

func loadConfigTable(t *testing.T) map[string]brokerConfig {
	t.Helper()
	f, err := os.Open("testdata/kafka-broker-configs.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]brokerConfig{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			t.Fatalf("config table line %q: want 4 tab-separated fields", line)
		}
		out[f[0]] = brokerConfig{name: f[0], typ: f[1], valid: f[2]}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var (
	listenerName = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	protocols    = []string{"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}
)

// check validates a value against its row as Kafka's ConfigDef would.
func (c brokerConfig) check(value string) error {
	bits := map[string]int{"short": 16, "int": 32, "long": 64}
	var elems []string
	switch c.typ {
	case "short", "int", "long":
		if _, err := strconv.ParseInt(value, 10, bits[c.typ]); err != nil {
			return fmt.Errorf("not a %s: %w", c.typ, err)
		}
	case "boolean":
		if !strings.EqualFold(value, "true") && !strings.EqualFold(value, "false") {
			return fmt.Errorf("not a boolean")
		}
	case "list":
		for _, e := range strings.Split(value, ",") {
			if e = strings.TrimSpace(e); e != "" {
				elems = append(elems, e)
			}
		}
	case "string", "password":
		elems = []string{value}
	default:
		return fmt.Errorf("unknown type %s in the table", c.typ)
	}
	switch v := c.valid; {
	case v == "":
	case strings.HasPrefix(v, "[") && strings.HasSuffix(v, ",...]"):
		least, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(v, "["), ",...]"), 10, 64)
		if n, _ := strconv.ParseInt(value, 10, 64); n < least {
			return fmt.Errorf("%d is below %d", n, least)
		}
	case strings.HasPrefix(v, "in:"):
		allowed := strings.Split(strings.TrimPrefix(v, "in:"), ",")
		if len(elems) == 0 {
			return fmt.Errorf("empty")
		}
		for _, e := range elems {
			if !slices.Contains(allowed, e) {
				return fmt.Errorf("%q is not one of %v", e, allowed)
			}
		}
	case v == "voters":
		return eachElem(elems, checkVoter)
	case v == "listeners":
		names := map[string]bool{}
		return eachElem(elems, func(e string) error {
			name, _, err := splitListener(e)
			if err == nil && names[name] {
				err = fmt.Errorf("listener %s twice", name)
			}
			names[name] = true
			return err
		})
	case v == "protocol-map":
		return eachElem(strings.Split(value, ","), func(e string) error {
			name, proto, ok := strings.Cut(e, ":")
			if !ok || !listenerName.MatchString(name) || !slices.Contains(protocols, proto) {
				return fmt.Errorf("%q is not NAME:PROTOCOL", e)
			}
			return nil
		})
	case v == "listener-name":
		return eachElem(elems, func(e string) error {
			if !listenerName.MatchString(e) {
				return fmt.Errorf("%q is not a listener name", e)
			}
			return nil
		})
	case v == "nonempty":
		if len(elems) == 0 || elems[0] == "" {
			return fmt.Errorf("empty")
		}
	default:
		return fmt.Errorf("unknown validator %s in the table", v)
	}
	return nil
}

func eachElem(elems []string, check func(string) error) error {
	if len(elems) == 0 {
		return fmt.Errorf("empty")
	}
	for _, e := range elems {
		if err := check(e); err != nil {
			return err
		}
	}
	return nil
}

// checkVoter checks one id@host:port entry of controller.quorum.voters.
func checkVoter(e string) error {
	id, addr, ok := strings.Cut(e, "@")
	if n, err := strconv.Atoi(id); !ok || err != nil || n < 0 {
		return fmt.Errorf("%q is not id@host:port", e)
	}
	return checkHostPort(addr, false)
}

// splitListener splits NAME://host:port.
func splitListener(e string) (name, addr string, err error) {
	name, addr, ok := strings.Cut(e, "://")
	if !ok || !listenerName.MatchString(name) {
		return "", "", fmt.Errorf("%q is not NAME://host:port", e)
	}
	return name, addr, checkHostPort(addr, true)
}

func checkHostPort(addr string, emptyHost bool) error {
	i := strings.LastIndex(addr, ":")
	if i < 0 || (i == 0 && !emptyHost) {
		return fmt.Errorf("%q is not host:port", addr)
	}
	if p, err := strconv.Atoi(addr[i+1:]); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("%q: bad port", addr)
	}
	return nil
}

// TestConfigTableChecks: the table's validators refuse what Kafka refuses.
func TestConfigTableChecks(t *testing.T) {
	table := loadConfigTable(t)
	for _, tc := range []struct {
		key, value string
		ok         bool
	}{
		{"process.roles", "broker,controller", true},
		{"process.roles", "broker", true},
		{"process.roles", "broker,zookeeper", false},
		{"process.roles", "", false},
		{"node.id", "4", true},
		{"node.id", "-1", false},
		{"node.id", "x", false},
		{"controller.quorum.voters", "0@127.0.1.1:31001,1@h:2", true},
		{"controller.quorum.voters", "0@:31001", false},
		{"controller.quorum.voters", "a@h:1", false},
		{"controller.quorum.voters", "", false},
		{"listeners", "PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093", true},
		{"listeners", "PLAINTEXT://:9092,PLAINTEXT://:9093", false},
		{"listeners", "PLAINTEXT:/x:9092", false},
		{"listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT", true},
		{"listener.security.protocol.map", "CONTROLLER:TLS", false},
		{"offsets.topic.replication.factor", "3", true},
		{"offsets.topic.replication.factor", "0", false},
		{"offsets.topic.replication.factor", "40000", false},
		{"log.segment.bytes", "1048575", false},
		{"auto.create.topics.enable", "yes", false},
	} {
		c, ok := table[tc.key]
		if !ok {
			t.Fatalf("%s is not in the table", tc.key)
		}
		if err := c.check(tc.value); (err == nil) != tc.ok {
			t.Errorf("%s=%q: %v, want ok=%v", tc.key, tc.value, err, tc.ok)
		}
	}
}

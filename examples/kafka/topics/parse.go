package topics

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
)

// ErrBadConfig is a topic config list ParseConfig refuses.
var ErrBadConfig = errors.New("bad topic config")

// ParseConfig parses topic configs written as kafka-configs.sh takes them:
// "k=v,k2=v2", a value holding commas in brackets
// ("cleanup.policy=[compact,delete]", given to Kafka without them). Keys
// are Kafka config names (letters, digits, '.', '_', '-'); a key given
// twice, a pair without '=' or an empty key is an error wrapping
// ErrBadConfig naming the pair. The empty string is no configs.
func ParseConfig(s string) (map[string]string, error) {
	out := map[string]string{}
	for rest := s; rest != ""; {
		k, after, ok := strings.Cut(rest, "=")
		if !ok {
			return nil, fmt.Errorf("%w: %q: want key=value", ErrBadConfig, rest)
		}
		if err := checkKey(k); err != nil {
			return nil, err
		}
		var v string
		if strings.HasPrefix(after, "[") {
			end := strings.Index(after, "]")
			if end < 0 {
				return nil, fmt.Errorf("%w: %s: '[' without ']'", ErrBadConfig, k)
			}
			v, rest = after[1:end], after[end+1:]
			if rest != "" && !strings.HasPrefix(rest, ",") {
				return nil, fmt.Errorf("%w: %s: want ',' after ']'", ErrBadConfig, k)
			}
			rest = strings.TrimPrefix(rest, ",")
			if rest == "" && strings.HasSuffix(after, ",") {
				return nil, fmt.Errorf("%w: %q: want key=value after ','", ErrBadConfig, "")
			}
		} else {
			var more bool
			v, rest, more = strings.Cut(after, ",")
			if more && rest == "" {
				return nil, fmt.Errorf("%w: %q: want key=value after ','", ErrBadConfig, "")
			}
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("%w: %s given twice", ErrBadConfig, k)
		}
		out[k] = v
	}
	return out, nil
}

// checkKey refuses a config name Kafka could not have.
func checkKey(k string) error {
	if k == "" {
		return fmt.Errorf("%w: empty config name", ErrBadConfig)
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("%w: config name %q: only letters, digits, '.', '_' and '-'", ErrBadConfig, k)
		}
	}
	return nil
}

// ErrBadTime is an offsets time ParseTime refuses.
var ErrBadTime = errors.New("bad offsets time")

// ParseTime parses the time of an offsets query: "first" or -2 (the first
// offset still in the log), "last" or -1 (the next offset to be written),
// or a timestamp in milliseconds since the epoch. "" is last, as DC/OS
// Kafka's CLI defaults to.
func ParseTime(s string) (int64, error) {
	switch s {
	case "first":
		return kafkaclient.OffsetFirst, nil
	case "", "last":
		return kafkaclient.OffsetLast, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < kafkaclient.OffsetFirst {
		return 0, fmt.Errorf("%w: %q: want first, last, -2, -1 or milliseconds since the epoch", ErrBadTime, s)
	}
	return n, nil
}

package local

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v4"
)

// Duration is a duration written as Mesos's flags write one: a number and
// a unit, one of ns, us, ms, secs, mins, hrs, days or weeks ("15secs",
// "500ms", "1.5mins"). It is a pflag.Value and reads itself from YAML.
type Duration time.Duration

// errDuration is wrapped by every error of ParseDuration.
var errDuration = errors.New("not a Mesos duration")

// mesosUnits are the units of Mesos's Duration::parse, shortest first.
var mesosUnits = []struct {
	name string
	unit time.Duration
}{
	{"ns", time.Nanosecond},
	{"us", time.Microsecond},
	{"ms", time.Millisecond},
	{"secs", time.Second},
	{"mins", time.Minute},
	{"hrs", time.Hour},
	{"days", 24 * time.Hour},
	{"weeks", 7 * 24 * time.Hour},
}

// ParseDuration parses s in Mesos's syntax. Negative, non-finite and
// overflowing values are errors, as are a missing or unknown unit.
func ParseDuration(s string) (Duration, error) {
	bad := func() (Duration, error) {
		return 0, fmt.Errorf("%q is %w (a number and one of ns, us, ms, secs, mins, hrs, days, weeks, e.g. 15secs)", s, errDuration)
	}
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, unicode.IsLetter)
	if i <= 0 {
		return bad()
	}
	v, err := strconv.ParseFloat(t[:i], 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return bad()
	}
	for _, u := range mesosUnits {
		if t[i:] != u.name {
			continue
		}
		d := v * float64(u.unit)
		if d >= math.MaxInt64 {
			return bad()
		}
		return Duration(d), nil
	}
	return bad()
}

// String writes d as Mesos does for whole units, else in milliseconds or
// nanoseconds.
func (d Duration) String() string {
	for i := len(mesosUnits) - 1; i >= 0; i-- {
		u := mesosUnits[i]
		if d != 0 && time.Duration(d)%u.unit == 0 {
			return strconv.FormatInt(int64(time.Duration(d)/u.unit), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(d), 10) + "ns"
}

// Set parses a flag's value (pflag.Value).
func (d *Duration) Set(s string) error {
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Type names the flag's value type in usage text (pflag.Value).
func (d *Duration) Type() string { return "duration" }

// UnmarshalYAML reads a scalar in Mesos's syntax.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a duration like 15secs: %w", n.Line, errDuration)
	}
	if err := d.Set(n.Value); err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	return nil
}

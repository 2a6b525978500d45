package local

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	mesostime "github.com/mesos/mesos-go/api/v1/lib/time"
	"go.yaml.in/yaml/v4"
)

// Duration is a duration written as Mesos's flags write one: a number and
// a unit, one of ns, us, ms, secs, mins, hrs, days or weeks ("15secs",
// "500ms", "1.5mins"). It is a pflag.Value and reads itself from YAML.
type Duration time.Duration

// errDuration is wrapped by every error of ParseDuration.
var errDuration = errors.New("not a Mesos duration")

// mesosUnits are the units of Mesos's durations, shortest first.
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

// ParseDuration parses s in Mesos's syntax (mesos-go's parser, which the
// executor uses too). Negative and overflowing values are errors, as are a
// missing or unknown unit.
func ParseDuration(s string) (Duration, error) {
	d, err := mesostime.ParseDuration(strings.TrimSpace(s))
	// Out of range, the float-to-integer conversion gives MinInt64 or
	// MaxInt64, by platform.
	if err != nil || d < 0 || d == math.MaxInt64 {
		return 0, fmt.Errorf("%q is %w (a number and one of ns, us, ms, secs, mins, hrs, days, weeks, e.g. 15secs)", s, errDuration)
	}
	return Duration(d), nil
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

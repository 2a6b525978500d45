// Package finalize holds the rules of the last phase of a Kafka upgrade:
// once every broker runs the new release, the cluster's KRaft
// metadata.version is raised (finalized) to the level the new release
// brings, as `kafka-features.sh upgrade` does. The rules are pure: they
// take what each broker reported (the range of levels its binary
// supports, the level the cluster has finalized) and say what to do:
// nothing, wait (and why), finalize a level, or refuse (and why).
//
// The facts about metadata.version (the levels, their names, and which
// levels changed the metadata format, so that Kafka refuses a downgrade
// across them) are Kafka's MetadataVersion table, from 3.3-IV3 (the
// lowest level Kafka 4.x runs) to 4.5-IV0.
package finalize

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kversion"
)

// Level is a metadata.version feature level.
type Level int16

// level is one row of Kafka's metadata.version table.
type level struct {
	name    string // release-IVn
	changed bool   // the level changed the metadata format
}

// minLevel is the first row of levels: 3.3-IV3, the lowest level Kafka
// 4.x runs.
const minLevel Level = 7

// levels are Kafka's metadata.version levels from minLevel on.
var levels = []level{
	{"3.3-IV3", true}, {"3.4-IV0", true}, {"3.5-IV0", false}, {"3.5-IV1", false},
	{"3.5-IV2", true}, {"3.6-IV0", false}, {"3.6-IV1", true}, {"3.6-IV2", true},
	{"3.7-IV0", true}, {"3.7-IV1", false}, {"3.7-IV2", true}, {"3.7-IV3", false},
	{"3.7-IV4", false}, {"3.8-IV0", false}, {"3.9-IV0", false}, {"4.0-IV0", false},
	{"4.0-IV1", true}, {"4.0-IV2", false}, {"4.0-IV3", false}, {"4.1-IV0", false},
	{"4.1-IV1", false}, {"4.2-IV0", false}, {"4.2-IV1", false}, {"4.3-IV0", true},
	{"4.4-IV0", false}, {"4.4-IV1", true}, {"4.4-IV2", true}, {"4.5-IV0", false},
}

func (l Level) row() (level, bool) {
	i := int(l - minLevel)
	if i < 0 || i >= len(levels) {
		return level{}, false
	}
	return levels[i], true
}

// String is the level with its name when known: "27 (4.1-IV1)".
func (l Level) String() string {
	if r, ok := l.row(); ok {
		return fmt.Sprintf("%d (%s)", l, r.name)
	}
	return strconv.Itoa(int(l))
}

// ErrBadLevel is a metadata.version that is neither a level number nor a
// known name.
var ErrBadLevel = errors.New("invalid metadata.version")

// ParseLevel reads a metadata.version as kafka-features.sh takes it: a
// level number ("27"), a level's name ("4.1-IV1"), or a release ("4.1":
// its last level).
func ParseLevel(s string) (Level, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 16); err == nil {
		if n < 1 {
			return 0, fmt.Errorf("%w: %q: a level is at least 1", ErrBadLevel, s)
		}
		return Level(n), nil
	}
	found := Level(0)
	for i, r := range levels {
		if r.name == s || strings.HasPrefix(r.name, s+"-IV") {
			found = minLevel + Level(i)
		}
	}
	if found == 0 {
		return 0, fmt.Errorf("%w: %q: want a level number, a name such as 4.1-IV1, or a release such as 4.1 (known: %s to %s)",
			ErrBadLevel, s, levels[0].name, levels[len(levels)-1].name)
	}
	return found, nil
}

// Changes reports whether a downgrade from level from to level to (to <
// from) crosses a level that changed the metadata format: Kafka refuses
// it ("it might delete metadata information"), and refuses every unsafe
// downgrade. Levels outside the table count as changed.
func Changes(from, to Level) bool {
	for l := to + 1; l <= from; l++ {
		r, ok := l.row()
		if !ok || r.changed {
			return true
		}
	}
	return false
}

// Broker is what one broker reported: the metadata.version levels its
// binary supports and the level the cluster finalized (0: none), or the
// error that kept it from answering.
type Broker struct {
	// Name says which broker, in reasons ("kafka-1").
	Name      string
	Min, Max  Level
	Finalized Level
	Err       error
}

// Action is what Decide says to do.
type Action int

// The actions.
const (
	// Done: every broker reports the target level finalized.
	Done Action = iota
	// Wait: not yet (a broker did not answer, or does not support the
	// target yet); ask again later.
	Wait
	// Finalize: set metadata.version to Decision.Level on
	// Decision.Brokers.
	Finalize
	// Refuse: Kafka would refuse the change, or brokers could not run it;
	// asking again does not help.
	Refuse
)

func (a Action) String() string {
	return [...]string{"done", "wait", "finalize", "refuse"}[a]
}

// Decision is Decide's answer.
type Decision struct {
	Action Action
	// Level is the target level (Finalize, Done).
	Level Level
	// Downgrade is set when Finalize lowers the level (a safe downgrade).
	Downgrade bool
	// Brokers are the indexes of the brokers to ask (Finalize): those
	// reporting another level. Kafka applies it cluster-wide from one;
	// asking each that lags is idempotent.
	Brokers []int
	// Reason says why, in words for a step's status.
	Reason string
}

// Decide says what the finalize phase does now, for brokers and the
// target level want (0: the highest level every broker supports, the new
// release's own). The rules:
//   - every broker must answer (else wait);
//   - every broker must support the target (else wait: a broker still
//     runs the old release);
//   - a target below what a broker supports is refused (it could not
//     run it);
//   - the current level is the highest any broker reports finalized; a
//     target below it is a downgrade, refused when it crosses a level
//     that changed the metadata format (Kafka refuses it), else a safe
//     downgrade;
//   - done when every broker reports the target finalized.
func Decide(brokers []Broker, want Level) Decision {
	if len(brokers) == 0 {
		return Decision{Action: Wait, Reason: "no broker to ask about metadata.version"}
	}
	for _, b := range brokers {
		if b.Err != nil {
			return Decision{Action: Wait, Reason: fmt.Sprintf("waiting for %s to report its metadata.version: %v", b.Name, b.Err)}
		}
	}
	target := want
	if target == 0 {
		target = brokers[0].Max
		for _, b := range brokers[1:] {
			target = min(target, b.Max)
		}
	}
	for _, b := range brokers {
		if b.Max < target {
			return Decision{Action: Wait, Level: target, Reason: fmt.Sprintf(
				"waiting for %s to run a release that supports metadata.version %s: it supports %s to %s",
				b.Name, target, b.Min, b.Max)}
		}
	}
	for _, b := range brokers {
		if b.Min > target {
			return Decision{Action: Refuse, Level: target, Reason: fmt.Sprintf(
				"metadata.version %s is below what %s supports (%s to %s)", target, b.Name, b.Min, b.Max)}
		}
	}
	current := Level(0)
	for _, b := range brokers {
		current = max(current, b.Finalized)
	}
	down := target < current
	if down && Changes(current, target) {
		return Decision{Action: Refuse, Level: target, Reason: fmt.Sprintf(
			"metadata.version is %s: Kafka refuses a downgrade to %s, which crosses a level that changed the metadata format (it might delete metadata information)",
			current, target)}
	}
	var lag []int
	for i, b := range brokers {
		if b.Finalized != target {
			lag = append(lag, i)
		}
	}
	if len(lag) == 0 {
		return Decision{Action: Done, Level: target, Reason: fmt.Sprintf("metadata.version is %s on every broker", target)}
	}
	from, verb := brokers[lag[0]].Finalized, "raising"
	for _, i := range lag {
		from = min(from, brokers[i].Finalized)
	}
	if down {
		from, verb = current, "lowering (a safe downgrade)"
	}
	return Decision{Action: Finalize, Level: target, Downgrade: down, Brokers: lag, Reason: fmt.Sprintf(
		"%s metadata.version from %s to %s: every broker supports it", verb, from, target)}
}

// ErrUnsupportedRelease is a release whose brokers cannot run the
// cluster's finalized metadata.version.
var ErrUnsupportedRelease = errors.New("release does not support the finalized metadata.version")

// CheckRelease says whether brokers of a release supporting levels lo to
// hi can run a cluster finalized at finalized: Kafka refuses to start a
// broker whose binary does not support the finalized metadata.version,
// so moving to such a release (a downgrade past the finalized level) is
// refused before any broker restarts.
func CheckRelease(finalized, lo, hi Level) error {
	if finalized == 0 || (finalized >= lo && finalized <= hi) {
		return nil
	}
	return fmt.Errorf("%w: the cluster's metadata.version is %s and the release supports %s to %s: Kafka would not start its brokers",
		ErrUnsupportedRelease, finalized, lo, hi)
}

// ErrUnknownRelease is a Kafka version whose metadata.version levels are
// not known.
var ErrUnknownRelease = errors.New("unknown Kafka release")

// ReleaseName is the Kafka release of a version as the Kafka package names
// it: "4.1.1" for "4.1.1" or, with the Scala version first, "2.13-4.1.1".
func ReleaseName(kafkaVersion string) string {
	s := strings.TrimSpace(kafkaVersion)
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// ReleaseLevels are the metadata.version levels brokers of a Kafka 4.x
// release support (franz-go's kversion tables, read from Kafka's sources).
func ReleaseLevels(kafkaVersion string) (lo, hi Level, err error) {
	name := ReleaseName(kafkaVersion)
	vs := kversion.FromString(name)
	found := false
	if vs != nil && strings.HasPrefix(name, "4.") {
		vs.EachSupportedFeature(func(f string, min, max int16) {
			if f == "metadata.version" {
				lo, hi, found = Level(min), Level(max), true
			}
		})
	}
	if !found {
		return 0, 0, fmt.Errorf("%w %q: want a Kafka 4.x version such as 4.1.1 or 2.13-4.1.1", ErrUnknownRelease, kafkaVersion)
	}
	return lo, hi, nil
}

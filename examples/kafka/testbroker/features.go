package testbroker

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/kennel-sdk/kennel/examples/kafka/brokerconfig"
	"github.com/kennel-sdk/kennel/examples/kafka/finalize"
	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
)

// FeaturesFile is the file in the first log dir that keeps the broker's
// finalized feature levels (metadata.version, ...) across restarts, as a
// Kafka cluster keeps them in its metadata log: one name=level a line.
const FeaturesFile = "finalized-features"

// Release is the Kafka release a test broker plays: the API versions and
// the KIP-584 feature levels (the range of metadata.version levels it
// supports, the levels a new cluster is formatted at) of that release, from
// franz-go's kversion tables. The test broker's own code is the same for
// every release: only what it advertises and accepts changes.
type Release struct {
	// Name is the release as given ("4.1.1"), "" for the newest kfake
	// knows.
	Name     string
	versions *kversion.Versions
}

// ErrUnknownRelease is a Kafka version the test broker cannot play.
var ErrUnknownRelease = errors.New("unknown Kafka release")

// ParseRelease reads a Kafka version as the Kafka package names it:
// "4.1.1", or with the Scala version first, "2.13-4.1.1" (KAFKA_VERSION).
// "" is the newest release kfake knows. Releases before 4.0 (ZooKeeper
// and early KRaft) are refused: the Kafka service runs KRaft on 4.x.
func ParseRelease(s string) (Release, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Release{versions: kversion.Stable()}, nil
	}
	name := finalize.ReleaseName(s)
	vs := kversion.FromString(name)
	if vs == nil || !strings.HasPrefix(name, "4.") {
		return Release{}, fmt.Errorf("%w %q: want a Kafka 4.x version such as 4.1.1 or 2.13-4.1.1", ErrUnknownRelease, s)
	}
	return Release{Name: name, versions: vs}, nil
}

// supported is the release's supported range per feature.
func (r Release) supported() map[string][2]int16 {
	out := map[string][2]int16{}
	r.versions.EachSupportedFeature(func(name string, lo, hi int16) { out[name] = [2]int16{lo, hi} })
	return out
}

// formatted is the levels a new cluster of the release starts at (level 0
// features left out).
func (r Release) formatted() map[string]int16 {
	out := map[string]int16{}
	r.versions.EachFinalizedFeature(func(name string, level int16) {
		if level > 0 {
			out[name] = level
		}
	})
	return out
}

// features is a test broker's finalized feature levels: kept in
// FeaturesFile, checked against its release at start, and updated when it
// accepts an UpdateFeatures request.
type features struct {
	path    string
	release Release

	mu     sync.Mutex
	levels map[string]int16
	// applying lets the broker's own start-up UpdateFeatures through
	// unchecked: it restores levels the broker accepted before.
	applying bool
}

// loadFeatures reads dir's FeaturesFile, or, for a directory without one
// (a broker's first start), records the release's format-time levels.
// It refuses levels the release does not support, as Kafka refuses to
// start a broker whose binary does not support the finalized
// metadata.version.
func loadFeatures(dir string, r Release) (*features, error) {
	f := &features{path: filepath.Join(dir, FeaturesFile), release: r}
	data, err := os.ReadFile(f.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		f.levels = r.formatted()
		return f, f.save()
	case err != nil:
		return nil, err
	}
	f.levels, err = parseLevels(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	sup := r.supported()
	for _, name := range slices.Sorted(maps.Keys(f.levels)) {
		l := f.levels[name]
		rg, ok := sup[name]
		if !ok || l < rg[0] || l > rg[1] {
			return nil, fmt.Errorf("%s is finalized at %s in %s, and Kafka %s supports %s: a broker does not start on a level its release does not support",
				name, describeLevel(name, l), f.path, r.display(), describeRange(name, rg, ok))
		}
	}
	return f, nil
}

func (r Release) display() string {
	if r.Name == "" {
		return "(kfake's newest)"
	}
	return r.Name
}

func describeLevel(name string, l int16) string {
	if name == kafkaclient.MetadataVersion {
		return finalize.Level(l).String()
	}
	return strconv.Itoa(int(l))
}

func describeRange(name string, rg [2]int16, ok bool) string {
	if !ok {
		return "no such feature"
	}
	return describeLevel(name, rg[0]) + " to " + describeLevel(name, rg[1])
}

// parseLevels reads name=level lines.
func parseLevels(data []byte) (map[string]int16, error) {
	out := map[string]int16{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, v, ok := strings.Cut(line, "=")
		l, err := strconv.ParseInt(strings.TrimSpace(v), 10, 16)
		if !ok || err != nil || l < 1 || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("line %d: %q: want feature=level (a level of at least 1)", n, line)
		}
		out[strings.TrimSpace(name)] = int16(l)
	}
	return out, sc.Err()
}

// save writes the levels to the file atomically (temporary file, fsync,
// rename), so a broker killed mid-write keeps the old or the new levels.
func (f *features) save() error {
	var b strings.Builder
	b.WriteString("# Finalized feature levels of this test broker (its cluster's metadata.version, ...).\n")
	for _, name := range slices.Sorted(maps.Keys(f.levels)) {
		fmt.Fprintf(&b, "%s=%d\n", name, f.levels[name])
	}
	return writeAtomic(filepath.Dir(f.path), filepath.Base(f.path), []byte(b.String()))
}

// restore makes the running cluster's levels the kept ones: kfake starts
// at the release's format-time levels and changes them only through
// UpdateFeatures, so the broker sends itself one per differing feature,
// on its own listener.
//
// Over SASL it cannot (its own client speaks no SASL yet): a broker whose
// kept levels differ from its release's format-time ones refuses to
// start, saying so, rather than serve other levels than it accepted.
func (f *features) restore(ctx context.Context, cfg brokerconfig.Config, tlsConfig *tls.Config, sasl bool) error {
	formatted := f.release.formatted()
	var differing []string
	for name, l := range f.levels {
		if formatted[name] != l {
			differing = append(differing, name)
		}
	}
	if len(differing) == 0 {
		return nil
	}
	slices.Sort(differing)
	if sasl {
		return fmt.Errorf("cannot restore finalized features %v over SASL: the test broker's own client speaks no SASL", differing)
	}
	host := cfg.Listener.Host
	if cfg.Listener.Wildcard() {
		host = "127.0.0.1"
	}
	addr := net.JoinHostPort(host, strconv.Itoa(cfg.Listener.Port))
	var clientTLS *tls.Config
	if tlsConfig != nil {
		// The broker talks to its own listener: its certificate need not
		// name the loopback address it dials.
		clientTLS = &tls.Config{InsecureSkipVerify: true}
	}
	f.mu.Lock()
	f.applying = true
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.applying = false
		f.mu.Unlock()
	}()
	c, err := kafkaclient.DialTLS(ctx, addr, clientTLS)
	if err != nil {
		return fmt.Errorf("restoring finalized features: %w", err)
	}
	defer c.Close()
	for _, name := range differing {
		typ := kafkaclient.Upgrade
		if f.levels[name] < formatted[name] {
			typ = kafkaclient.SafeDowngrade
		}
		if err := c.UpdateFeatures(ctx, name, f.levels[name], typ); err != nil {
			return fmt.Errorf("restoring finalized features: %w", err)
		}
	}
	return nil
}

// restoreTimeout bounds restore.
const restoreTimeout = 10 * time.Second

// control is the broker's UpdateFeatures handler, ahead of kfake's: it
// refuses what Kafka refuses (a level outside the release's range, a
// downgrade not asked for as one, a metadata.version downgrade across a
// level that changed the metadata format) with Kafka's errors, and keeps
// what it accepts in FeaturesFile before kfake applies it.
func (f *features) control(req kmsg.Request) (kmsg.Response, error, bool) {
	r, ok := req.(*kmsg.UpdateFeaturesRequest)
	if !ok {
		return nil, nil, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.applying {
		return nil, nil, false
	}
	sup := f.release.supported()
	next := maps.Clone(f.levels)
	for _, u := range r.FeatureUpdates {
		if why, code := f.check(u, r.Version, sup); why != "" {
			return refusal(r, code, why), nil, true
		}
		if u.MaxVersionLevel < 1 {
			delete(next, u.Feature)
		} else {
			next[u.Feature] = u.MaxVersionLevel
		}
	}
	if r.Version >= 1 && r.ValidateOnly {
		return nil, nil, false
	}
	prev := f.levels
	f.levels = next
	if err := f.save(); err != nil {
		f.levels = prev
		return refusal(r, kerr.KafkaStorageError, "test broker: keeping the finalized features: "+err.Error()), nil, true
	}
	return nil, nil, false
}

// check is the refusal of one update ("" when accepted).
func (f *features) check(u kmsg.UpdateFeaturesRequestFeatureUpdate, version int16, sup map[string][2]int16) (string, *kerr.Error) {
	rg, ok := sup[u.Feature]
	if !ok {
		return "unknown feature " + u.Feature, kerr.FeatureUpdateFailed
	}
	to := max(u.MaxVersionLevel, 0)
	if to > rg[1] || (to > 0 && to < rg[0]) {
		return fmt.Sprintf("%s %s is outside the supported range %s", u.Feature, describeLevel(u.Feature, to), describeRange(u.Feature, rg, true)), kerr.FeatureUpdateFailed
	}
	from := f.levels[u.Feature]
	if to >= from {
		return "", nil
	}
	allowed := u.AllowDowngrade
	if version >= 1 {
		allowed = u.UpgradeType >= int8(kafkaclient.SafeDowngrade)
	}
	if !allowed {
		return fmt.Sprintf("%s %s is a downgrade from %s, not asked for as one", u.Feature, describeLevel(u.Feature, to), describeLevel(u.Feature, from)), kerr.InvalidUpdateVersion
	}
	if u.Feature == kafkaclient.MetadataVersion && finalize.Changes(finalize.Level(from), finalize.Level(to)) {
		return fmt.Sprintf("Unsupported metadata.version downgrade from %d to %d. Refusing to perform the requested downgrade because it might delete metadata information.", from, to), kerr.InvalidUpdateVersion
	}
	return "", nil
}

// refusal is the answer to r refusing all its updates (none is applied)
// with code and message.
func refusal(r *kmsg.UpdateFeaturesRequest, code *kerr.Error, msg string) kmsg.Response {
	resp := r.ResponseKind().(*kmsg.UpdateFeaturesResponse)
	resp.SetVersion(r.Version)
	if r.Version >= 2 {
		resp.ErrorCode, resp.ErrorMessage = code.Code, kmsg.StringPtr(msg)
		return resp
	}
	for _, u := range r.FeatureUpdates {
		res := kmsg.NewUpdateFeaturesResponseResult()
		res.Feature = u.Feature
		res.ErrorCode, res.ErrorMessage = code.Code, kmsg.StringPtr(msg)
		resp.Results = append(resp.Results, res)
	}
	return resp
}

// releaseOpts are kfake's options for the release.
func (r Release) opts() []kfake.Opt {
	if r.Name == "" {
		return nil
	}
	return []kfake.Opt{kfake.MaxVersions(r.versions)}
}

// describe is the kept metadata.version, for the start line.
func (f *features) describe() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.levels[kafkaclient.MetadataVersion]
	if !ok {
		return "no metadata.version"
	}
	return "metadata.version " + finalize.Level(l).String()
}

// answer adds the broker's features to an ApiVersions response the test
// broker makes itself (over SASL): the release's supported ranges and the
// kept finalized levels, as kfake would.
func (f *features) answer(resp *kmsg.ApiVersionsResponse) {
	sup := f.release.supported()
	for _, name := range slices.Sorted(maps.Keys(sup)) {
		sf := kmsg.NewApiVersionsResponseSupportedFeature()
		sf.Name, sf.MinVersion, sf.MaxVersion = name, sup[name][0], sup[name][1]
		resp.SupportedFeatures = append(resp.SupportedFeatures, sf)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, name := range slices.Sorted(maps.Keys(f.levels)) {
		ff := kmsg.NewApiVersionsResponseFinalizedFeature()
		ff.Name, ff.MinVersionLevel, ff.MaxVersionLevel = name, f.levels[name], f.levels[name]
		resp.FinalizedFeatures = append(resp.FinalizedFeatures, ff)
	}
	if len(resp.FinalizedFeatures) > 0 {
		resp.FinalizedFeaturesEpoch = 1
	}
}

package testbroker

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/kennel-sdk/kennel/examples/kafka/brokerconfig"
	"github.com/kennel-sdk/kennel/examples/kafka/props"
)

// MetaFile is the name of the file in each log directory that says which
// cluster and node formatted it.
const MetaFile = "meta.properties"

// Sentinel errors of the storage checks.
var (
	// ErrUnformatted is a log directory without meta.properties.
	ErrUnformatted = errors.New("log directory not formatted")
	// ErrFormatted is a directory format finds formatted already.
	ErrFormatted = errors.New("log directory already formatted")
	// ErrNodeMismatch is meta.properties naming another node id.
	ErrNodeMismatch = errors.New("meta.properties names another node.id")
	// ErrClusterMismatch is meta.properties naming another cluster id.
	ErrClusterMismatch = errors.New("meta.properties names another cluster.id")
	// ErrBadClusterID is a cluster id that is not a Kafka UUID.
	ErrBadClusterID = errors.New("invalid cluster id")
	// ErrBadMeta is a meta.properties Kafka 4.x would not read.
	ErrBadMeta = errors.New("invalid meta.properties")
)

// Meta is the content of a KRaft meta.properties (version 1).
type Meta struct {
	ClusterID   string
	NodeID      int32
	DirectoryID string
}

// CheckClusterID checks that id is a Kafka UUID: 16 bytes in unpadded
// base64url, as `kafka-storage.sh random-uuid` prints.
func CheckClusterID(id string) error {
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(b) != 16 {
		return fmt.Errorf("%w: %q is not a Kafka UUID (22 base64url characters, as kafka-storage.sh random-uuid prints)", ErrBadClusterID, id)
	}
	return nil
}

// newUUID is a random Kafka UUID.
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// Format writes meta.properties naming clusterID and the node id of cfg
// into every directory of cfg (log dirs and metadata log dir), creating the
// directories, as `kafka-storage.sh format` does. A directory that has
// meta.properties is an error wrapping ErrFormatted, unless ignoreFormatted:
// then it is left as it is (start checks it). It returns one line per
// directory saying what it did.
func Format(cfg brokerconfig.Config, clusterID string, ignoreFormatted bool, now time.Time) ([]string, error) {
	if err := CheckClusterID(clusterID); err != nil {
		return nil, err
	}
	var out []string
	for _, dir := range cfg.Dirs() {
		path := filepath.Join(dir, MetaFile)
		if _, err := os.Stat(path); err == nil {
			if !ignoreFormatted {
				return out, fmt.Errorf("%w: log directory %s is already formatted; use --ignore-formatted to ignore this directory and format the others", ErrFormatted, dir)
			}
			out = append(out, fmt.Sprintf("%s is already formatted: left as it is", dir))
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return out, err
		}
		meta := Meta{ClusterID: clusterID, NodeID: cfg.NodeID, DirectoryID: newUUID()}
		if err := writeMeta(dir, meta, now); err != nil {
			return out, err
		}
		out = append(out, fmt.Sprintf("formatted %s with cluster.id %s and node.id %d", dir, clusterID, cfg.NodeID))
	}
	return out, nil
}

// writeMeta writes dir/meta.properties through a temporary file renamed
// into place, so that a crash leaves no half-written file.
func writeMeta(dir string, m Meta, now time.Time) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	p := &props.Properties{}
	p.Set("version", "1")
	p.Set("cluster.id", m.ClusterID)
	p.Set("node.id", strconv.Itoa(int(m.NodeID)))
	p.Set("directory.id", m.DirectoryID)
	var buf bytes.Buffer
	if err := props.Write(&buf, p, "", now.UTC().Format("Mon Jan 02 15:04:05 MST 2006")); err != nil {
		return err
	}
	return writeAtomic(dir, MetaFile, buf.Bytes())
}

// ReadMeta reads dir/meta.properties. A missing file is ErrUnformatted, in
// Kafka's words.
func ReadMeta(dir string) (Meta, error) {
	path := filepath.Join(dir, MetaFile)
	p, err := props.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Meta{}, fmt.Errorf("%w: No meta.properties found in %s (have you run kafka-storage.sh to format the directory?)", ErrUnformatted, dir)
	}
	if err != nil {
		return Meta{}, err
	}
	get := func(k string) string { v, _ := p.Get(k); return v }
	if v := get("version"); v != "1" {
		return Meta{}, fmt.Errorf("%w: %s has version %q; a KRaft broker reads version 1", ErrBadMeta, path, v)
	}
	m := Meta{ClusterID: get("cluster.id"), DirectoryID: get("directory.id")}
	if m.ClusterID == "" {
		return Meta{}, fmt.Errorf("%w: %s has no cluster.id", ErrBadMeta, path)
	}
	n, err := strconv.ParseInt(get("node.id"), 10, 32)
	if err != nil {
		return Meta{}, fmt.Errorf("%w: %s: node.id %q is not a number", ErrBadMeta, path, get("node.id"))
	}
	m.NodeID = int32(n)
	return m, nil
}

// CheckStorage is the check Kafka makes of its directories at start: every
// directory of cfg has meta.properties, each names cfg's node id, and all
// name the same cluster id, which must be clusterID unless that is empty.
// It returns the cluster id they name.
func CheckStorage(cfg brokerconfig.Config, clusterID string) (string, error) {
	want, wantFrom := clusterID, "the service's cluster id"
	for _, dir := range cfg.Dirs() {
		m, err := ReadMeta(dir)
		if err != nil {
			return "", err
		}
		path := filepath.Join(dir, MetaFile)
		if m.NodeID != cfg.NodeID {
			return "", fmt.Errorf("%w: %s names node.id %d, but this broker is node.id %d: the volume belongs to another broker; refusing to start",
				ErrNodeMismatch, path, m.NodeID, cfg.NodeID)
		}
		if want == "" {
			want, wantFrom = m.ClusterID, filepath.Join(cfg.Dirs()[0], MetaFile)
		} else if m.ClusterID != want {
			return "", fmt.Errorf("%w: %s names cluster.id %s, but %s is %s: the volume belongs to another cluster; refusing to start",
				ErrClusterMismatch, path, m.ClusterID, wantFrom, want)
		}
	}
	return want, nil
}

// writeAtomic replaces dir/name with data: a temporary file in dir,
// synced, then renamed over it, so a crash leaves the old file or the new
// one, never a torn one.
func writeAtomic(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, name+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name))
}

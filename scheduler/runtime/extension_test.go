package runtime

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/kennel-sdk/kennel/scheduler/state"
)

// openStore opens a file store in dir, locked and loaded, as Run does.
func openStore(t *testing.T, dir string) *state.Store {
	t.Helper()
	ctx := context.Background()
	s, err := state.Open(ctx, "file://"+dir, "svc", state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Lock(ctx, state.LockOptions{Holder: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSeeds: a seed is generated when the store lacks it and read back
// ever after, a secret one under the secret prefix and apart from the
// public ones; a failing generator stops the scheduler.
func TestSeeds(t *testing.T) {
	dir := t.TempDir()
	calls := 0
	ext := Extension{Seeds: []Seed{
		{Name: "cluster-id", Generate: func() (string, error) { calls++; return "id-" + string(rune('0'+calls)), nil }},
		{Name: "admin-password", Secret: true, Generate: func() (string, error) { return "s3cret", nil }},
	}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for run := range 2 {
		store := openStore(t, dir)
		r := &runner{opts: Options{Extension: ext}, log: log, store: store}
		got, secret, err := r.seeds(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got["cluster-id"] != "id-1" || calls != 1 || len(got) != 1 {
			t.Errorf("run %d: seeds %v after %d generations, want id-1 generated once", run, got, calls)
		}
		if secret["admin-password"] != "s3cret" || len(secret) != 1 {
			t.Errorf("run %d: secret seeds %v", run, secret)
		}
		if v, _ := store.Property("seed:cluster-id"); string(v) != "id-1" {
			t.Errorf("run %d: stored %q", run, v)
		}
		if v, _ := store.Property("secret:seed:admin-password"); string(v) != "s3cret" {
			t.Errorf("run %d: stored secret %q", run, v)
		}
		if _, ok := store.Property("seed:admin-password"); ok {
			t.Errorf("run %d: the secret seed is stored as a public property", run)
		}
		store.Close()
	}
	broken := errors.New("no entropy")
	r := &runner{opts: Options{Extension: Extension{Seeds: []Seed{{Name: "other", Generate: func() (string, error) { return "", broken }}}}},
		log: log, store: openStore(t, t.TempDir())}
	if _, _, err := r.seeds(context.Background()); !errors.Is(err, broken) {
		t.Errorf("a failing seed: %v", err)
	}
}

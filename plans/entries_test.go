package plans

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestIntentEntriesRoundTrip drives a service through deploys, failures,
// recoveries, canaries, custom plans and a decommission, and checks at
// every step that the intent survives being split into entries.
func TestIntentEntriesRoundTrip(t *testing.T) {
	f := newFixture(t, strings.Replace(helloSpec, "      hello:\n        pod: hello\n", "      hello:\n        strategy: serial-canary\n        pod: hello\n", 1))
	check := func(what string) {
		t.Helper()
		in := f.set.Intent()
		back, err := IntentFromEntries(in.Entries())
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !back.Equal(in) {
			t.Fatalf("%s: entries lose intent:\n%+v\n%+v", what, back, in)
		}
	}
	check("fresh")
	f.set.Continue("deploy", "hello")
	f.settle()
	check("canary continued")
	f.launch(f.set.Candidates()[0])
	f.update("hello-0-init", TaskFailed, false, "exit 1")
	f.settle()
	check("backoff")
	f.set.Start("backup", map[string]string{"A": "1"}, f.now)
	f.set.ForceComplete("backup", "backup", "", f.now)
	f.tick(time.Hour)
	f.deployAll()
	f.set.Continue("deploy", "") // the canary's second continue
	f.deployAll()
	f.update("world-0-server", TaskKilled, false, "")
	f.settle()
	check("recovery")
	f.changeSpec(strings.Replace(helloSpec, "  world:\n    count: 1\n", "  world:\n    count: 0\n", 1))
	f.settle()
	check("decommission")
}

func TestEntryChanges(t *testing.T) {
	before := map[string][]byte{"a": []byte("1"), "b": []byte("2"), "c": []byte("3")}
	after := map[string][]byte{"a": []byte("1"), "b": []byte("20"), "d": []byte("4")}
	put, del := EntryChanges(before, after)
	sort.Strings(del)
	if !reflect.DeepEqual(put, map[string][]byte{"b": []byte("20"), "d": []byte("4")}) || !reflect.DeepEqual(del, []string{"c"}) {
		t.Errorf("put %q del %q", put, del)
	}
	if _, err := IntentFromEntries(map[string][]byte{"bogus/x": nil}); err == nil {
		t.Error("an unknown entry is accepted")
	}
}

package plans

import (
	"fmt"
	"testing"
	"time"
)

// bigSet returns a Set of 10 pod types × 1,000 instances (10,000 steps),
// half of them deployed.
func bigSet(b *testing.B) *Set {
	spec := "name: big\npods:\n"
	for p := 0; p < 10; p++ {
		spec += fmt.Sprintf("  pod%d:\n    count: 1000\n    tasks:\n      server:\n        goal: RUNNING\n        cmd: ./s\n        cpus: 0.1\n        memory: 16\n", p)
	}
	s := loadSpec(b, spec)
	tasks := map[string]*Task{}
	for p := 0; p < 5; p++ {
		for i := 0; i < 1000; i++ {
			name := fmt.Sprintf("pod%d-%d-server", p, i)
			tasks[name] = &Task{Name: name, Pod: fmt.Sprintf("pod%d", p), Index: i, Spec: "server", ID: name + "__1", ConfigID: s.ID(), State: TaskRunning, Ready: true}
		}
	}
	return New(World{Spec: s, Config: s.ID(), Tasks: tasks, Now: t0}, Intent{})
}

// BenchmarkStatusesAndCandidates10k recomputes every status of a
// 10,000-step plan and its candidates, as the scheduler does after an event.
func BenchmarkStatusesAndCandidates10k(b *testing.B) {
	s := bigSet(b)
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Second)
		s.Advance(now)
		if c := s.Candidates(); len(c) != 1 {
			b.Fatalf("%d candidates", len(c))
		}
	}
}

// BenchmarkCandidates10k is Candidates alone.
func BenchmarkCandidates10k(b *testing.B) {
	s := bigSet(b)
	b.ReportAllocs()
	for b.Loop() {
		s.Candidates()
	}
}

// BenchmarkBuild10k generates the plans from scratch, as at start-up.
func BenchmarkBuild10k(b *testing.B) {
	s := bigSet(b)
	b.ReportAllocs()
	for b.Loop() {
		New(s.world, s.intent)
	}
}

// BenchmarkIntentEntries10k encodes the intent of a plan of 10,000 started
// and completed steps, as the scheduler does after every event that
// changes a task.
func BenchmarkIntentEntries10k(b *testing.B) {
	s := bigSet(b)
	for i, ph := range s.Plan(DeployPlan).Phases {
		for j, st := range ph.Steps {
			started, completed := t0.Add(time.Duration(i*1000+j)*time.Millisecond), t0.Add(time.Minute+123456789)
			in := s.intent.plan(DeployPlan).step(st.ID)
			in.Started, in.Completed = &started, &completed
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if n := len(s.IntentEntries()); n < 10_000 {
			b.Fatalf("%d entries", n)
		}
	}
}

package servicespec

import (
	"fmt"
	"strings"
	"testing"
)

// largeSpec writes a templated spec with pods pod types of tasksPerPod tasks
// each, every task with ports, a volume, env, checks and a deploy step.
func largeSpec(pods, tasksPerPod int) string {
	var b strings.Builder
	b.WriteString("name: {{FRAMEWORK_NAME}}\npods:\n")
	for p := 0; p < pods; p++ {
		fmt.Fprintf(&b, "  pod%d:\n    count: {{COUNT}}\n    placement: '{{{PLACEMENT}}}'\n    tasks:\n", p)
		for t := 0; t < tasksPerPod; t++ {
			fmt.Fprintf(&b, `      task%d:
        goal: RUNNING
        cmd: ./run --pod %d --task %d
        cpus: {{CPUS}}
        memory: {{MEM}}
        env:
          MODE: {{MODE}}
          INDEX: "%d"
        ports:
          port-%d-%d:
            port: 0
            env-key: PORT_%d
            advertise: true
        volume:
          path: data%d
          type: ROOT
          size: 100
        health-check:
          cmd: ./check
          interval: 10
        readiness-check:
          cmd: ./ready
`, t, p, t, t, p, t, t, t)
		}
	}
	b.WriteString("plans:\n  deploy:\n    strategy: serial\n    phases:\n")
	for p := 0; p < pods; p++ {
		fmt.Fprintf(&b, "      phase%d:\n        strategy: parallel\n        pod: pod%d\n        steps:\n          - default: [", p, p)
		for t := 0; t < tasksPerPod; t++ {
			if t > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "[task%d]", t)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

var largeEnv = map[string]string{
	"FRAMEWORK_NAME": "large", "COUNT": "3", "PLACEMENT": `[["hostname", "UNIQUE"]]`, "CPUS": "0.5", "MEM": "256", "MODE": "fast",
}

// BenchmarkLoadLarge measures render + parse + validate of a spec with 50
// pod types and 500 tasks.
func BenchmarkLoadLarge(b *testing.B) {
	data := []byte(largeSpec(50, 10))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load("large.yml", data, LoadOptions{Env: largeEnv}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeCanonical measures reading back a stored canonical form.
func BenchmarkDecodeCanonical(b *testing.B) {
	spec, err := Load("large.yml", []byte(largeSpec(50, 10)), LoadOptions{Env: largeEnv})
	if err != nil {
		b.Fatal(err)
	}
	data := spec.CanonicalJSON()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode("canonical", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCanonicalID measures the canonical form and its id.
func BenchmarkCanonicalID(b *testing.B) {
	spec, err := Load("large.yml", []byte(largeSpec(50, 10)), LoadOptions{Env: largeEnv})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = spec.ID()
	}
}

func TestLargeSpecIsValid(t *testing.T) {
	spec, err := Load("large.yml", []byte(largeSpec(50, 10)), LoadOptions{Env: largeEnv})
	if err != nil {
		t.Fatal(err)
	}
	tasks := 0
	for _, p := range spec.Pods {
		tasks += len(p.Tasks)
	}
	if len(spec.Pods) != 50 || tasks != 500 {
		t.Fatalf("large spec has %d pods and %d tasks", len(spec.Pods), tasks)
	}
}

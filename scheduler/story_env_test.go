package scheduler

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/datadriven"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// storyQuorum is a story's EnvSource, shaped like a KRaft quorum: QUORUM
// lists "<index>@<agent hostname>" of the first three instances of the
// pod type (all when fewer), pending until each is placed; SEED passes
// the seed "cluster-id" on.
type storyQuorum struct{}

func (storyQuorum) InstanceEnv(v EnvView, inst Instance) InstanceEnv {
	voters := min(3, v.Counts[inst.Pod])
	hosts := map[int]string{}
	for _, p := range v.Placed {
		if p.Pod == inst.Pod && p.Index < voters {
			hosts[p.Index] = p.Hostname
		}
	}
	var parts, missing []string
	for i := range voters {
		if hosts[i] == "" {
			missing = append(missing, inst.Pod+"-"+strconv.Itoa(i))
			continue
		}
		parts = append(parts, fmt.Sprintf("%d@%s", i, hosts[i]))
	}
	out := InstanceEnv{Values: map[string]string{"SEED": v.Seeds["cluster-id"]}}
	if len(missing) > 0 {
		out.Pending = "waiting for " + strings.Join(missing, ", ") + " to be placed"
		return out
	}
	out.Values["QUORUM"] = strings.Join(parts, ",")
	return out
}

func (s *story) envSource(name string) error {
	if name != "quorum" {
		return fmt.Errorf("start: env=%s: only env=quorum is known", name)
	}
	s.cfg.Env = storyQuorum{}
	return nil
}

func (s *story) instanceEnv(args []datadriven.CmdArg) (string, error) {
	if len(args) != 1 {
		return "", fmt.Errorf("env INSTANCE")
	}
	env, err := s.core.InstanceEnv(args[0].Key)
	if err != nil {
		return "", err
	}
	return printEnv(env.Values) + fmt.Sprintf("pending: %q", env.Pending), nil
}

func (s *story) taskEnv(args []datadriven.CmdArg) (string, error) {
	if len(args) != 1 {
		return "", fmt.Errorf("task-env TASK")
	}
	t := s.core.tasks[args[0].Key]
	if t == nil {
		return "", fmt.Errorf("task-env: no task %s", args[0].Key)
	}
	info := t.decodeInfo()
	env := map[string]string{}
	for _, e := range info.GetCommand().GetEnvironment().GetVariables() {
		if e.Name == "QUORUM" || e.Name == "SEED" || e.Name == EnvURLVariable {
			env[e.Name] = e.GetValue()
		}
	}
	ready := ""
	var check []mesosVariable
	if c := info.GetCheck().GetCommand(); c != nil {
		check = c.Command.GetEnvironment().GetVariables()
	}
	for _, e := range check {
		if e.Name == "QUORUM" {
			ready = "readiness check QUORUM=" + e.GetValue() + "\n"
		}
	}
	return printEnv(env) + ready, nil
}

type mesosVariable = mesos.Environment_Variable

func printEnv(env map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(env)) {
		fmt.Fprintf(&b, "%s=%s\n", k, env[k])
	}
	return b.String()
}

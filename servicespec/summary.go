package servicespec

import (
	"fmt"
	"strings"
)

// Summary is a one-line description of a valid spec, as `spec validate`
// prints it.
func (s *ServiceSpec) Summary() string {
	pods := make([]string, len(s.Pods))
	tasks := 0
	for i, p := range s.Pods {
		pods[i] = fmt.Sprintf("%s×%d", p.Name, p.Count)
		tasks += len(p.Tasks)
	}
	plans := make([]string, len(s.Plans))
	for i, p := range s.Plans {
		plans[i] = p.Name
	}
	planText := "no plans (deploy is generated)"
	if len(plans) > 0 {
		planText = fmt.Sprintf("%s %s", count(len(plans), "plan"), strings.Join(plans, ", "))
	}
	return fmt.Sprintf("service %s: %s (%s), %s, %s; config %s",
		s.Name, count(len(s.Pods), "pod type"), strings.Join(pods, ", "), count(tasks, "task"), planText, s.ID())
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

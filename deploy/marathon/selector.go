package marathon

import (
	"fmt"
	"strings"
)

// selector is a label selector of GET /v2/apps?label=…: comma-separated
// terms, each "key" (present), "key==value" or "key!=value".
type selector []struct {
	key, op, value string
}

func parseSelector(s string) (selector, error) {
	var sel selector
	if s == "" {
		return nil, nil
	}
	for _, term := range strings.Split(s, ",") {
		term = strings.TrimSpace(term)
		var key, op, value string
		switch {
		case strings.Contains(term, "=="):
			key, value, _ = strings.Cut(term, "==")
			op = "=="
		case strings.Contains(term, "!="):
			key, value, _ = strings.Cut(term, "!=")
			op = "!="
		case strings.ContainsAny(term, "=()! "):
			return nil, fmt.Errorf("label selector term %q: Kennel's Marathon knows key, key==value and key!=value", term)
		default:
			key = term
		}
		if key == "" {
			return nil, fmt.Errorf("label selector term %q has no key", term)
		}
		sel = append(sel, struct{ key, op, value string }{strings.TrimSpace(key), op, strings.TrimSpace(value)})
	}
	return sel, nil
}

func (sel selector) matches(labels map[string]string) bool {
	for _, t := range sel {
		v, ok := labels[t.key]
		switch t.op {
		case "":
			if !ok {
				return false
			}
		case "==":
			if !ok || v != t.value {
				return false
			}
		case "!=":
			if ok && v == t.value {
				return false
			}
		}
	}
	return true
}

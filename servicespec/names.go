package servicespec

import (
	"regexp"
	"strings"
)

// Name rules. Pod, task, resource-set and port names become parts of DNS
// names (hello-0-server.<service>.autoip...), so they are DNS labels.
var (
	dnsLabel    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	envName     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	simpleName  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	volumePath  = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_-]*$`)
	profileName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,128}$`)
	// marathonSegment is one segment of a Marathon app id, which a service
	// name is (folders are separated by '/').
	marathonSegment = regexp.MustCompile(`^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])$`)
)

const (
	dnsLabelRule   = "lowercase letters, digits and '-', starting and ending with a letter or digit"
	envNameRule    = "letters, digits and '_', not starting with a digit"
	simpleNameRule = "letters, digits, '_', '.' and '-', starting with a letter or digit"
	maxDNSLabel    = 63
)

// checkServiceName returns why name cannot name a service, or "".
func checkServiceName(name string) string {
	if strings.Contains(name, "__") {
		return "service name must not contain \"__\" (task ids use it as a separator)"
	}
	trimmed := strings.TrimPrefix(name, "/")
	if trimmed == "" {
		return "service name must not be empty"
	}
	for _, seg := range strings.Split(trimmed, "/") {
		if !marathonSegment.MatchString(seg) {
			return "service name must be a Marathon app id: '/'-separated segments of " +
				"lowercase letters, digits, '-' and '.', each starting and ending with a letter or digit"
		}
	}
	return ""
}

// checkRole returns why role cannot be a Mesos role, or "".
func checkRole(role string) string {
	if role == "*" {
		return ""
	}
	if role == "" {
		return "role must not be empty"
	}
	if strings.HasPrefix(role, "-") {
		return "role must not start with '-'"
	}
	if strings.ContainsAny(role, " \t\n\\") {
		return "role must not contain whitespace or '\\'"
	}
	for _, seg := range strings.Split(role, "/") {
		if seg == "" || seg == "." || seg == ".." || seg == "*" {
			return "role path segments must not be empty, '.', '..' or '*'"
		}
	}
	return ""
}

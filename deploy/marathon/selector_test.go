package marathon

import "testing"

func TestSelector(t *testing.T) {
	labels := map[string]string{"DCOS_PACKAGE_NAME": "kafka", "tier": "web"}
	tests := []struct {
		sel  string
		want bool
	}{
		{"", true},
		{"DCOS_PACKAGE_NAME", true},
		{"missing", false},
		{"DCOS_PACKAGE_NAME==kafka", true},
		{"DCOS_PACKAGE_NAME==hdfs", false},
		{"tier!=web", false},
		{"tier!=db", true},
		{"missing!=x", true},
		{"DCOS_PACKAGE_NAME==kafka, tier==web", true},
		{"DCOS_PACKAGE_NAME==kafka,tier==db", false},
	}
	for _, tt := range tests {
		sel, err := parseSelector(tt.sel)
		if err != nil {
			t.Fatalf("%q: %v", tt.sel, err)
		}
		if got := sel.matches(labels); got != tt.want {
			t.Errorf("%q: %t, want %t", tt.sel, got, tt.want)
		}
	}
	for _, bad := range []string{"tier in (a,b)", "==x", "a=b"} {
		if _, err := parseSelector(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

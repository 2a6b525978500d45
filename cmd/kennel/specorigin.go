package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/kennel-sdk/kennel/servicespec"
)

// origin says where the value of variable name came from, for an error
// about it: ": NAME=VALUE is set by -e", "… in FILE", or "" when name is
// "" or not set. -e wins over --env-file, later files over earlier ones,
// and every file over svc.env (defaults), as environment layers them.
func (f specFlags) origin(name string, env map[string]string, defaults string) string {
	if name == "" {
		return ""
	}
	value, ok := env[name]
	if !ok {
		return ""
	}
	set := fmt.Sprintf("; %s=%s is set", name, value)
	for _, kv := range slices.Backward(f.env) {
		if k, _, err := servicespec.ParseEnvAssignment(kv); err == nil && k == name {
			return set + " by -e"
		}
	}
	files := f.envFiles
	if _, err := os.Stat(defaults); err == nil {
		files = append([]string{defaults}, files...)
	}
	for _, file := range slices.Backward(files) {
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		values, err := servicespec.ParseEnvFile(file, data)
		if _, in := values[name]; err == nil && in {
			return set + " in " + file + lineOf(string(data), name)
		}
	}
	return set
}

// lineOf is ":N", the line of data that sets name, or "".
func lineOf(data, name string) string {
	for i, line := range strings.Split(data, "\n") {
		if k, _, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "export ")), "="); ok && strings.TrimSpace(k) == name {
			return fmt.Sprintf(":%d", i+1)
		}
	}
	return ""
}

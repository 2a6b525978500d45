package servicespec

import (
	"fmt"
	"strings"
)

// ParseEnvFile parses an environment file of KEY=VALUE lines, the format of
// --env-file and of a spec's svc.env defaults:
//
//	# comment
//	KEY=plain value          surrounding blanks trimmed; " #" starts a comment
//	export KEY=value         "export " is allowed and ignored
//	KEY="a \"quoted\"\nvalue" \n \t \" \\ escapes
//	KEY='literal $value'     no escapes
//
// A key given twice is an error. Errors name file:line: and are an ErrorList.
func ParseEnvFile(file string, data []byte) (map[string]string, error) {
	env := map[string]string{}
	firstLine := map[string]int{}
	var errs ErrorList
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		line = strings.TrimSuffix(line, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		key, value, err := ParseEnvAssignment(strings.TrimPrefix(trimmed, "export "))
		if err != nil {
			errs = append(errs, &Error{File: file, Pos: Pos{Line: n, Column: 1}, Msg: err.Error()})
			continue
		}
		if prev, dup := firstLine[key]; dup {
			errs = append(errs, &Error{File: file, Pos: Pos{Line: n, Column: 1}, Path: key, Msg: fmt.Sprintf("set twice (first on line %d)", prev)})
			continue
		}
		firstLine[key] = n
		env[key] = value
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return env, nil
}

// ParseEnvAssignment parses one KEY=VALUE assignment (the -e flag's form,
// and one line of an env file).
func ParseEnvAssignment(s string) (key, value string, err error) {
	key, raw, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !ok {
		return "", "", fmt.Errorf("expected KEY=VALUE, got %q", s)
	}
	if !envName.MatchString(key) {
		return "", "", fmt.Errorf("%q is not a valid variable name: use %s", key, envNameRule)
	}
	value, err = envValue(strings.TrimSpace(raw))
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", key, err)
	}
	return key, value, nil
}

func envValue(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	switch raw[0] {
	case '\'':
		end := strings.IndexByte(raw[1:], '\'')
		if end < 0 {
			return "", fmt.Errorf("unterminated single-quoted value")
		}
		return raw[1 : 1+end], trailing(raw[2+end:])
	case '"':
		return doubleQuoted(raw)
	}
	if i := strings.Index(raw, " #"); i >= 0 {
		raw = raw[:i]
	}
	return strings.TrimSpace(raw), nil
}

func doubleQuoted(raw string) (string, error) {
	var b strings.Builder
	for i := 1; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '"':
			return b.String(), trailing(raw[i+1:])
		case c == '\\' && i+1 < len(raw):
			i++
			switch raw[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case '"', '\\', '$':
				b.WriteByte(raw[i])
			default:
				b.WriteByte('\\')
				b.WriteByte(raw[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("unterminated double-quoted value")
}

// trailing accepts blanks or a comment after a quoted value.
func trailing(rest string) error {
	rest = strings.TrimSpace(rest)
	if rest == "" || strings.HasPrefix(rest, "#") {
		return nil
	}
	return fmt.Errorf("unexpected text %q after the quoted value", rest)
}

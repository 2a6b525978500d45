package servicespec

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseEnvFile(t *testing.T) {
	data := "# defaults\n\nA=1\nexport B = two words \nC=\"quoted \\\"x\\\"\\n\\tend\" # comment\nD='single $x \\n'\nE=value # trailing comment\nF=\nG=a=b\r\nH=\"#not a comment\"\n"
	got, err := ParseEnvFile("svc.env", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"A": "1", "B": "two words", "C": "quoted \"x\"\n\tend", "D": `single $x \n`, "E": "value", "F": "", "G": "a=b", "H": "#not a comment",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestParseEnvFileErrors(t *testing.T) {
	tests := []struct{ data, want string }{
		{"A=1\nA=2\n", "svc.env:2:1: A: set twice (first on line 1)"},
		{"JUSTAKEY\n", `svc.env:1:1: expected KEY=VALUE, got "JUSTAKEY"`},
		{"1A=x\n", `svc.env:1:1: "1A" is not a valid variable name: use letters, digits and '_', not starting with a digit`},
		{"A=\"open\n", "svc.env:1:1: A: unterminated double-quoted value"},
		{"A='open\n", "svc.env:1:1: A: unterminated single-quoted value"},
		{"A=\"x\" y\n", `svc.env:1:1: A: unexpected text "y" after the quoted value`},
		{"OK=1\nBAD\nB-C=1\n", "svc.env:2:1: expected KEY=VALUE, got \"BAD\"\nsvc.env:3:1: \"B-C\" is not a valid variable name: use letters, digits and '_', not starting with a digit"},
	}
	for _, tc := range tests {
		_, err := ParseEnvFile("svc.env", []byte(tc.data))
		if err == nil || err.Error() != tc.want {
			t.Errorf("ParseEnvFile(%q) = %v\nwant %s", tc.data, err, tc.want)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("error does not wrap ErrInvalid")
		}
	}
}

func FuzzParseEnvFile(f *testing.F) {
	for _, s := range []string{"A=1\n", "export B='x'\n", "C=\"a\\nb\" # c\n", "# x\n\nD=\n", "E=\"unterminated"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		env, err := ParseEnvFile("fuzz.env", []byte(data))
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is not a non-empty ErrorList: %v", err)
			}
			return
		}
		for k := range env {
			if !envName.MatchString(k) {
				t.Fatalf("accepted invalid name %q", k)
			}
		}
	})
}

func TestSuggest(t *testing.T) {
	keys := []string{"cpus", "gpus", "memory", "ports", "volume", "volumes", "resource-set", "readiness-check", "health-check"}
	tests := map[string]string{
		"memroy":          "memory",
		"mem":             "",
		"cpu":             "cpus",
		"port":            "ports",
		"volumne":         "volume",
		"readyness-check": "readiness-check",
		"healthcheck":     "health-check",
		"resourceset":     "resource-set",
		"x":               "",
		"flavour":         "",
	}
	for word, want := range tests {
		if got := suggest(word, keys); got != want {
			t.Errorf("suggest(%q) = %q, want %q", word, got, want)
		}
	}
}

package placement

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, canonical string
	}{
		{"", ""},
		{"[]", ""},
		{`[["hostname", "UNIQUE"]]`, `[["hostname","UNIQUE"]]`},
		{`["@hostname", "unique"]`, `[["hostname","UNIQUE"]]`},
		{`[["@zone", "GROUP_BY", "3"], ["rack", "max_per", 2]]`, `[["@zone","GROUP_BY","3"],["rack","MAX_PER","2"]]`},
		{"hostname:UNIQUE", `[["hostname","UNIQUE"]]`},
		{"hostname:UNIQUE, @region:IS:us-east-1", `[["hostname","UNIQUE"],["@region","IS","us-east-1"]]`},
		{`rack:LIKE:rack-[0-9]\,rack-10`, `[["rack","LIKE","rack-[0-9],rack-10"]]`},
		{`host:IS:a\:b`, `[["host","IS","a:b"]]`},
		{"zone:CLUSTER", `[["zone","CLUSTER"]]`},
		{"zone:CLUSTER:a", `[["zone","CLUSTER","a"]]`},
		{"zone:IS_NOT:", `[["zone","IS_NOT",""]]`},
	}
	for _, tc := range tests {
		c, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := c.String(); got != tc.canonical {
			t.Errorf("Parse(%q) = %s, want %s", tc.in, got, tc.canonical)
		}
		again, err := Parse(c.String())
		if err != nil || again.String() != c.String() {
			t.Errorf("canonical form of %q does not round-trip: %v %s", tc.in, err, again)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`[["hostname"]]`, `invalid placement: rule ["hostname"]: expected field, operator and an optional value, got 1 elements`},
		{`[["", "UNIQUE"]]`, `invalid placement: rule ["","UNIQUE"]: field must not be empty`},
		{`[["hostname", "SPREAD"]]`, `invalid placement: rule ["hostname","SPREAD"]: unknown operator "SPREAD" (expected one of UNIQUE, CLUSTER, GROUP_BY, LIKE, UNLIKE, MAX_PER, IS, IS_NOT)`},
		{"hostname:MAX_PER", `invalid placement: rule ["hostname","MAX_PER"]: MAX_PER needs a value: the maximum number of instances per value of the field`},
		{"hostname:MAX_PER:0", `invalid placement: rule ["hostname","MAX_PER","0"]: MAX_PER value must be a positive integer, got "0"`},
		{"hostname:GROUP_BY:x", `invalid placement: rule ["hostname","GROUP_BY","x"]: GROUP_BY value must be a positive integer, got "x"`},
		{"rack:LIKE", `invalid placement: rule ["rack","LIKE"]: LIKE needs a regular expression`},
		{"rack:UNLIKE:(", `invalid placement: rule ["rack","UNLIKE","("]: "(" is not a valid regular expression (RE2 syntax): error parsing regexp: missing closing ): ` + "`^(?:()$`"},
		{"rack:IS", `invalid placement: rule ["rack","IS"]: IS needs a value`},
		{"hostname:UNIQUE:x", `invalid placement: rule ["hostname","UNIQUE","x"]: UNIQUE takes no value`},
		{`[["a", "IS", "b", "c"]]`, `invalid placement: rule ["a","IS","b","c"]: expected field, operator and an optional value, got 4 elements`},
		{`[["a", "IS", {}]]`, `invalid placement: rule 1: element 3 must be a string`},
		{`[["a", "IS"], "b"]`, `invalid placement: rule 2 is not a list (write rules as [["hostname", "UNIQUE"]])`},
		{`[["a", "UNIQUE"]`, `invalid placement: not valid JSON: unexpected end of JSON input (write rules as [["hostname", "UNIQUE"]])`},
	}
	for _, tc := range tests {
		_, err := Parse(tc.in)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%q) = %v\nwant %s", tc.in, err, tc.want)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) error does not wrap ErrInvalid", tc.in)
		}
	}
}

func TestReferences(t *testing.T) {
	c, err := Parse("@zone:GROUP_BY,hostname:UNIQUE")
	if err != nil {
		t.Fatal(err)
	}
	if !c.References(FieldZone) || !c.References(FieldHostname) || c.References(FieldRegion) {
		t.Errorf("References wrong for %s", c)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "[]", `[["hostname","UNIQUE"]]`, "a:b:c,d:e", `["a","LIKE","x.*"]`, `a\:b:IS:c\,d`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		again, err := Parse(c.String())
		if err != nil {
			t.Fatalf("canonical form %s of %q does not parse: %v", c, s, err)
		}
		if again.String() != c.String() {
			t.Fatalf("canonical form changed: %s -> %s", c, again)
		}
	})
}

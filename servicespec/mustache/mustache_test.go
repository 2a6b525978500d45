package mustache

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	env := map[string]any{
		"NAME": "kafka", "COUNT": "3", "ON": true, "OFF": false, "EMPTY": "",
		"QUOTE":  `a"b<c>&d&amp;e'f`,
		"LIST":   []any{"x", "y"},
		"NESTED": map[string]any{"inner": map[string]any{"v": "deep"}},
		"ZERO":   0.0,
		"NUM":    1.5,
	}
	tests := []struct {
		name, tmpl, want string
		opts             Options
	}{
		{"plain text", "name: x\n", "name: x\n", Options{}},
		{"variable", "name: {{NAME}}", "name: kafka", Options{}},
		{"spaces in tag", "{{ NAME }}", "kafka", Options{}},
		{"escaped by default html escaper", "{{QUOTE}}", "a&quot;b&lt;c&gt;&amp;d&amp;e&#39;f", Options{Escape: HTMLEscape}},
		{"triple mustache is raw", "{{{QUOTE}}}", `a"b<c>&d&amp;e'f`, Options{Escape: HTMLEscape}},
		{"ampersand is raw", "{{& QUOTE}}", `a"b<c>&d&amp;e'f`, Options{Escape: HTMLEscape}},
		{"true section", "{{#ON}}yes{{/ON}}", "yes", Options{}},
		{"false section", "{{#OFF}}yes{{/OFF}}", "", Options{}},
		{"missing section is false", "{{#NOPE}}yes{{/NOPE}}", "", Options{}},
		{"empty string is falsey", "{{#EMPTY}}yes{{/EMPTY}}{{^EMPTY}}no{{/EMPTY}}", "no", Options{}},
		{"string section pushes value", "{{#NAME}}[{{.}}]{{/NAME}}", "[kafka]", Options{}},
		{"zero is truthy", "{{#ZERO}}z{{/ZERO}}", "z", Options{}},
		{"inverted", "{{^OFF}}off{{/OFF}}{{^ON}}on{{/ON}}", "off", Options{}},
		{"list iterates", "{{#LIST}}<{{.}}>{{/LIST}}", "<x><y>", Options{}},
		{"dotted", "{{NESTED.inner.v}}", "deep", Options{}},
		{"number", "{{NUM}}", "1.5", Options{}},
		{"bool", "{{ON}}", "true", Options{}},
		{"format replaces the default", "{{LIST}}|{{{NUM}}}", "<[x y]>|<1.5>", Options{Format: func(v any) string { return "<" + fmt.Sprint(v) + ">" }}},
		{"escape applies after format", "{{NAME}}", "&lt;kafka&gt;", Options{Format: func(v any) string { return "<" + fmt.Sprint(v) + ">" }, Escape: HTMLEscape}},
		{"comment", "a{{! ignored }}b", "ab", Options{}},
		{"standalone section lines vanish", "a:\n  {{#ON}}\n  b: 1\n  {{/ON}}\nc: 2\n", "a:\n  b: 1\nc: 2\n", Options{}},
		{"standalone comment line vanishes", "a\n{{! note }}\nb\n", "a\nb\n", Options{}},
		{"standalone at end of file", "a\n{{#ON}}\nb\n{{/ON}}", "a\nb\n", Options{}},
		{"crlf standalone", "a\r\n{{#ON}}\r\nb\r\n{{/ON}}\r\n", "a\r\nb\r\n", Options{}},
		{"inline section keeps line", "x {{#ON}}y{{/ON}}\n", "x y\n", Options{}},
		{"set delimiters", "{{=<% %>=}}<%NAME%> {{NAME}}", "kafka {{NAME}}", Options{}},
		{"set delimiters back", "{{=<% %>=}}<%NAME%><%={{ }}=%>{{NAME}}", "kafkakafka", Options{}},
		{"triple with custom delimiters", "{{=<% %>=}}<%{QUOTE}%>", `a"b<c>&d&amp;e'f`, Options{Escape: HTMLEscape}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tmpl, err := Parse("t", tc.tmpl)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			res := tmpl.Render(env, tc.opts)
			if res.Output != tc.want {
				t.Errorf("got %q, want %q", res.Output, tc.want)
			}
			if len(res.Missing) != 0 {
				t.Errorf("unexpected missing: %v", res.Missing)
			}
		})
	}
}

func TestMissingListsEveryOccurrence(t *testing.T) {
	src := "name: {{A}}\ncount: {{B}}\n{{#OPT}}{{C}}{{/OPT}}\nx: {{A}} {{D.e}}\n"
	tmpl, err := Parse("svc.yml", src)
	if err != nil {
		t.Fatal(err)
	}
	res := tmpl.Render(map[string]any{"D": "flat"}, Options{})
	want := []Missing{
		{Name: "A", Offset: 6, Line: 1, Column: 7},
		{Name: "B", Offset: 19, Line: 2, Column: 8},
		{Name: "A", Offset: 50, Line: 4, Column: 4},
		{Name: "D.e", Offset: 56, Line: 4, Column: 10},
	}
	if !reflect.DeepEqual(res.Missing, want) {
		t.Errorf("missing = %+v\nwant %+v", res.Missing, want)
	}
	if got := res.MissingNames(); !reflect.DeepEqual(got, []string{"A", "B", "D.e"}) {
		t.Errorf("names = %v", got)
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct{ tmpl, want string }{
		{"a {{b", "t:1:3: tag opened with \"{{\" is never closed"},
		{"{{#a}}\nb", "t:2:2: section \"a\" is never closed"},
		{"{{/a}}", "t:1:1: closing tag \"a\" has no opening section"},
		{"{{#a}}{{/b}}", "t:1:7: closing tag \"b\" does not match open section \"a\""},
		{"x\n  {{}}", "t:2:3: empty tag"},
		{"{{a b}}", "t:1:1: tag name \"a b\" contains whitespace"},
		{"{{> part}}", "t:1:1: partials are not supported ({{>part}})"},
		{"{{=<%>=}}", "t:1:1: delimiter change needs two delimiters separated by a space, as {{=<% %>=}}"},
		{"{{=<% %>}}", "t:1:1: delimiter change must end with '='"},
	}
	for _, tc := range tests {
		_, err := Parse("t", tc.tmpl)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%q) = %v, want %q", tc.tmpl, err, tc.want)
		}
		if err != nil && !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) error does not wrap ErrSyntax", tc.tmpl)
		}
	}
}

func TestSourceMap(t *testing.T) {
	src := "a: {{LONGNAME}}\n{{#ON}}\nb: {{X}}\n{{/ON}}\nc: 1\n"
	tmpl, err := Parse("t", src)
	if err != nil {
		t.Fatal(err)
	}
	res := tmpl.Render(map[string]any{"LONGNAME": "v", "ON": true, "X": "multi\nline"}, Options{})
	wantOut := "a: v\nb: multi\nline\nc: 1\n"
	if res.Output != wantOut {
		t.Fatalf("output %q", res.Output)
	}
	// Each output offset of interest and the template position it must map to.
	for _, tc := range []struct {
		outNeedle, srcNeedle string
	}{
		{"a: ", "a: "},
		{"v\n", "{{LONGNAME}}"},
		{"b: ", "b: "},
		{"multi", "{{X}}"},
		{"line", "{{X}}"},
		{"c: 1", "c: 1"},
	} {
		out := strings.Index(res.Output, tc.outNeedle)
		want := strings.Index(src, tc.srcNeedle)
		if got := res.Map.Source(out); got != want {
			t.Errorf("Source(%d %q) = %d, want %d (%q)", out, tc.outNeedle, got, want, tc.srcNeedle)
		}
	}
	if got := (SourceMap{}).Source(7); got != 7 {
		t.Errorf("zero map is not the identity: %d", got)
	}
}

func TestHTMLEscapeKeepsReferences(t *testing.T) {
	for in, want := range map[string]string{
		"&amp;":  "&amp;",
		"&#10;":  "&#10;",
		"&#x1F;": "&#x1F;",
		"&;":     "&amp;;",
		"&a b;":  "&amp;a b;",
		"&1a;":   "&amp;1a;",
		"a&":     "a&amp;",
		"&#;":    "&amp;#;",
	} {
		if got := HTMLEscape(in); got != want {
			t.Errorf("HTMLEscape(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"", "a {{b}} c", "{{#a}}{{b}}{{/a}}", "{{^a}}x{{/a}}", "{{=<% %>=}}<%a%>",
		"{{{a}}}", "{{&a}}", "  {{#a}}\n  x\n  {{/a}}\n", "{{! c }}", "{{a.b.c}}", "{{#L}}{{.}}{{/L}}",
	} {
		f.Add(s)
	}
	ctx := map[string]any{"a": "1", "b": true, "L": []any{"x", map[string]any{"a": "2"}}}
	f.Fuzz(func(t *testing.T, src string) {
		tmpl, err := Parse("fuzz", src)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error does not wrap ErrSyntax: %v", err)
			}
			return
		}
		res := tmpl.Render(ctx, Options{Escape: HTMLEscape})
		for i := 0; i <= len(res.Output); i++ {
			if s := res.Map.Source(i); s < 0 || s > len(src) {
				t.Fatalf("Source(%d) = %d out of template range %d", i, s, len(src))
			}
		}
	})
}

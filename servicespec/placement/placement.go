// Package placement parses pod placement rules written in Marathon's
// constraint syntax, as svc.yml's `placement` field takes them:
//
//	[["hostname", "UNIQUE"], ["@zone", "GROUP_BY", "3"]]   nested JSON lists
//	["hostname", "MAX_PER", "2"]                            one flat JSON list
//	hostname:UNIQUE,@zone:GROUP_BY:3                        Marathon UI form
//
// In the colon form a backslash escapes ',' and ':' inside a value. A rule is
// field, operator and an optional value. Fields are `hostname` (or
// `@hostname`), `@zone`, `@region`, or the name of an agent attribute.
// Operators are matched without regard to case and are UNIQUE, CLUSTER,
// GROUP_BY, LIKE, UNLIKE, MAX_PER, IS and IS_NOT; LIKE and UNLIKE values are
// regular expressions in Go's RE2 syntax that must match a whole value.
package placement

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrInvalid is wrapped by every error Parse returns.
var ErrInvalid = errors.New("invalid placement")

// Operator is a constraint operator.
type Operator string

// The operators of Marathon's constraint language.
const (
	Unique  Operator = "UNIQUE"
	Cluster Operator = "CLUSTER"
	GroupBy Operator = "GROUP_BY"
	Like    Operator = "LIKE"
	Unlike  Operator = "UNLIKE"
	MaxPer  Operator = "MAX_PER"
	Is      Operator = "IS"
	IsNot   Operator = "IS_NOT"
)

var operators = []Operator{Unique, Cluster, GroupBy, Like, Unlike, MaxPer, Is, IsNot}

// Fields with a meaning of their own; any other field names an attribute.
const (
	FieldHostname = "hostname"
	FieldZone     = "@zone"
	FieldRegion   = "@region"
)

// Rule is one constraint. HasValue distinguishes an omitted value from "".
type Rule struct {
	Field    string
	Operator Operator
	Value    string
	HasValue bool
}

// Constraints are rules that must all hold. The zero value allows anything.
type Constraints []Rule

// Parse parses a placement string. An empty string or "[]" gives no rules.
func Parse(s string) (Constraints, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "[]" {
		return nil, nil
	}
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("%w: not valid UTF-8", ErrInvalid)
	}
	rows, err := split(s)
	if err != nil {
		return nil, err
	}
	out := make(Constraints, 0, len(rows))
	for _, row := range rows {
		r, err := parseRow(row)
		if err != nil {
			return nil, fmt.Errorf("%w: rule %s: %v", ErrInvalid, quoteRow(row), err)
		}
		out = append(out, r)
	}
	return out, nil
}

// split reads the three accepted syntaxes into rows of strings.
func split(s string) ([][]string, error) {
	if !strings.HasPrefix(s, "[") {
		var rows [][]string
		for _, row := range escapedSplit(s, ',') {
			rows = append(rows, escapedSplit(row, ':'))
		}
		return rows, nil
	}
	var raw []any
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("%w: not valid JSON: %v (write rules as [[\"hostname\", \"UNIQUE\"]])", ErrInvalid, err)
	}
	if len(raw) > 0 {
		if _, nested := raw[0].([]any); !nested {
			raw = []any{raw} // a single flat rule
		}
	}
	rows := make([][]string, 0, len(raw))
	for i, r := range raw {
		items, ok := r.([]any)
		if !ok {
			return nil, fmt.Errorf("%w: rule %d is not a list (write rules as [[\"hostname\", \"UNIQUE\"]])", ErrInvalid, i+1)
		}
		row := make([]string, len(items))
		for j, it := range items {
			switch v := it.(type) {
			case string:
				row[j] = v
			case float64:
				row[j] = strconv.FormatFloat(v, 'f', -1, 64)
			default:
				return nil, fmt.Errorf("%w: rule %d: element %d must be a string", ErrInvalid, i+1, j+1)
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// escapedSplit splits on sep, honouring backslash escapes of sep, and trims
// every part.
func escapedSplit(s string, sep byte) []string {
	var parts []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && s[i+1] == sep {
			b.WriteByte(sep)
			i++
			continue
		}
		if c == sep {
			parts = append(parts, strings.TrimSpace(b.String()))
			b.Reset()
			continue
		}
		b.WriteByte(c)
	}
	return append(parts, strings.TrimSpace(b.String()))
}

func parseRow(row []string) (Rule, error) {
	if len(row) < 2 || len(row) > 3 {
		return Rule{}, fmt.Errorf("expected field, operator and an optional value, got %d elements", len(row))
	}
	r := Rule{Field: row[0]}
	if r.Field == "" {
		return r, errors.New("field must not be empty")
	}
	if r.Field == "@hostname" {
		r.Field = FieldHostname
	}
	op, ok := operator(row[1])
	if !ok {
		return r, fmt.Errorf("unknown operator %q (expected one of %s)", row[1], operatorList())
	}
	r.Operator = op
	if len(row) == 3 {
		r.Value, r.HasValue = row[2], true
	}
	return r, checkValue(r)
}

func operator(s string) (Operator, bool) {
	for _, op := range operators {
		if strings.EqualFold(s, string(op)) {
			return op, true
		}
	}
	return "", false
}

func operatorList() string {
	names := make([]string, len(operators))
	for i, op := range operators {
		names[i] = string(op)
	}
	return strings.Join(names, ", ")
}

func checkValue(r Rule) error {
	switch r.Operator {
	case Unique:
		if r.HasValue {
			return errors.New("UNIQUE takes no value")
		}
	case GroupBy:
		if r.HasValue {
			return positive(r)
		}
	case MaxPer:
		if !r.HasValue {
			return errors.New("MAX_PER needs a value: the maximum number of instances per value of the field")
		}
		return positive(r)
	case Like, Unlike:
		if !r.HasValue {
			return fmt.Errorf("%s needs a regular expression", r.Operator)
		}
		if _, err := regexp.Compile("^(?:" + r.Value + ")$"); err != nil {
			return fmt.Errorf("%q is not a valid regular expression (RE2 syntax): %v", r.Value, err)
		}
	case Is, IsNot:
		if !r.HasValue {
			return fmt.Errorf("%s needs a value", r.Operator)
		}
	}
	return nil
}

func positive(r Rule) error {
	n, err := strconv.Atoi(r.Value)
	if err != nil || n < 1 {
		return fmt.Errorf("%s value must be a positive integer, got %q", r.Operator, r.Value)
	}
	return nil
}

func quoteRow(row []string) string {
	b, _ := json.Marshal(row)
	return string(b)
}

// String returns the canonical form: nested JSON lists, or "" for none.
func (c Constraints) String() string {
	if len(c) == 0 {
		return ""
	}
	rows := make([][]string, len(c))
	for i, r := range c {
		rows[i] = []string{r.Field, string(r.Operator)}
		if r.HasValue {
			rows[i] = append(rows[i], r.Value)
		}
	}
	b, _ := json.Marshal(rows)
	return string(b)
}

// References reports whether any rule uses field (FieldZone, FieldRegion…).
func (c Constraints) References(field string) bool {
	for _, r := range c {
		if r.Field == field {
			return true
		}
	}
	return false
}

package servicespec

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// CanonicalJSON returns the canonical form: compact JSON with the svc.yml
// schema, defaults applied, every template inlined and maps sorted. Equal
// specs give equal bytes. The form is itself a valid svc.yml (JSON is YAML),
// so Decode(CanonicalJSON(s)) returns a spec with the same canonical form.
func (s *ServiceSpec) CanonicalJSON() []byte {
	b, err := marshal(s)
	if err != nil {
		// Every type of the model marshals; failing here is a programming error.
		panic(fmt.Sprintf("servicespec: canonical form: %v", err))
	}
	return b
}

// ID is the configuration id: a UUID (version 8, RFC 9562) whose bits are
// the first 122 bits of the SHA-256 of the canonical form. It is stable for
// equal specs and has the shape DC/OS tools expect of configuration ids.
func (s *ServiceSpec) ID() string {
	sum := sha256.Sum256(s.CanonicalJSON())
	sum[6] = sum[6]&0x0f | 0x80 // version 8
	sum[8] = sum[8]&0x3f | 0x80 // RFC 9562 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

// IndentedJSON is the canonical form indented for people.
func (s *ServiceSpec) IndentedJSON() []byte {
	var out bytes.Buffer
	_ = json.Indent(&out, s.CanonicalJSON(), "", "  ")
	out.WriteByte('\n')
	return out.Bytes()
}

// YAML is the canonical form written as svc.yml YAML, in the same key order.
func (s *ServiceSpec) YAML() []byte {
	var doc yaml.Node
	if err := yaml.Unmarshal(s.CanonicalJSON(), &doc); err != nil {
		panic(fmt.Sprintf("servicespec: canonical form is not YAML: %v", err))
	}
	blockStyle(&doc)
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		panic(fmt.Sprintf("servicespec: encoding YAML: %v", err))
	}
	return out.Bytes()
}

// blockStyle turns the flow style JSON parses into block style, with
// literal blocks for multi-line strings.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && strings.Contains(n.Value, "\n") {
		n.Style = yaml.LiteralStyle
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// MarshalJSON writes pods as an object keyed by name, in spec order.
func (p Pods) MarshalJSON() ([]byte, error) {
	return orderedObject(len(p), func(i int) (string, any) { return p[i].Name, p[i] })
}

// MarshalJSON writes tasks as an object keyed by name, in spec order.
func (t Tasks) MarshalJSON() ([]byte, error) {
	return orderedObject(len(t), func(i int) (string, any) { return t[i].Name, t[i] })
}

// MarshalJSON writes plans as an object keyed by name, in spec order.
func (p Plans) MarshalJSON() ([]byte, error) {
	return orderedObject(len(p), func(i int) (string, any) { return p[i].Name, p[i] })
}

// MarshalJSON writes phases as an object keyed by name, in spec order.
func (p Phases) MarshalJSON() ([]byte, error) {
	return orderedObject(len(p), func(i int) (string, any) { return p[i].Name, p[i] })
}

func orderedObject(n int, item func(int) (string, any)) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		k, v := item(i)
		kb, _ := marshal(k)
		vb, err := marshal(v)
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// MarshalJSON writes a steps entry as {"default": [...]} or {"0": [...]}.
func (e StepEntry) MarshalJSON() ([]byte, error) {
	key := "default"
	if !e.Default {
		key = strconv.Itoa(e.Ordinal)
	}
	steps := e.Steps
	if steps == nil {
		steps = [][]string{}
	}
	return marshal(map[string][][]string{key: steps})
}

// MarshalJSON writes labels as "key:value,key:value", sorted by key.
func (l Labels) MarshalJSON() ([]byte, error) {
	return marshal(l.String())
}

// marshal is json.Marshal without HTML escaping: commands keep their < > &.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// String is the svc.yml form of l, sorted by key.
func (l Labels) String() string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ":" + l[k]
	}
	return strings.Join(parts, ",")
}

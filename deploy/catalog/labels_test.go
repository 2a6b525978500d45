package catalog

import (
	"encoding/base64"
	"reflect"
	"testing"
)

func TestLabelsRoundTrip(t *testing.T) {
	pkg, err := Load("../../examples/kafka/package/1")
	if err != nil {
		t.Fatal(err)
	}
	user := mustObject(t, `{"brokers": {"count": 5}}`)
	r, err := pkg.Render(Request{Options: user, ReleaseVersion: 3})
	if err != nil {
		t.Fatal(err)
	}
	labels := r.App["labels"].(map[string]any)
	def, err := DecodeDefinitionLabel(labels[LabelPackageDefinition].(string))
	if err != nil {
		t.Fatal(err)
	}
	want := pkg.Definition(3)
	if def["releaseVersion"].(interface{ String() string }).String() != "3" {
		t.Errorf("releaseVersion %v", def["releaseVersion"])
	}
	delete(def, "releaseVersion")
	delete(want, "releaseVersion")
	if !reflect.DeepEqual(def, want) {
		t.Errorf("definition label decodes to\n%v\nwant\n%v", def, want)
	}
	opts, err := DecodeOptionsLabel(labels[LabelPackageOptions].(string))
	if err != nil || !reflect.DeepEqual(opts, user) {
		t.Errorf("options label decodes to %v, %v", opts, err)
	}
	for _, bad := range []string{"!", base64.StdEncoding.EncodeToString([]byte(`{"data": "!"}`)),
		base64.StdEncoding.EncodeToString([]byte(`{"metadata": {"Content-Encoding": "gzip"}, "data": "aGVsbG8="}`)),
		base64.StdEncoding.EncodeToString([]byte(`[]`))} {
		if _, err := DecodeDefinitionLabel(bad); err == nil {
			t.Errorf("DecodeDefinitionLabel(%q) accepted", bad)
		}
	}
	if _, err := DecodeOptionsLabel(base64.StdEncoding.EncodeToString([]byte(`[1]`))); err == nil {
		t.Error("an options label holding an array was accepted")
	}
}

// FuzzDecodeLabels feeds arbitrary label values (they come from Marathon,
// which anyone can write to) to the label decoders: they must not panic,
// and a decoded options label re-encodes to an equal object.
func FuzzDecodeLabels(f *testing.F) {
	pkg, err := Load("../../examples/hello-world/package")
	if err != nil {
		f.Fatal(err)
	}
	r, err := pkg.Render(Request{Options: map[string]any{"hello": map[string]any{"count": 3}}})
	if err != nil {
		f.Fatal(err)
	}
	labels := r.App["labels"].(map[string]any)
	f.Add(labels[LabelPackageDefinition].(string))
	f.Add(labels[LabelPackageOptions].(string))
	f.Add("")
	f.Fuzz(func(t *testing.T, label string) {
		_, _ = DecodeDefinitionLabel(label)
		opts, err := DecodeOptionsLabel(label)
		if err != nil {
			return
		}
		b, err := compactJSON(opts)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeOptionsLabel(base64.StdEncoding.EncodeToString(b))
		if err != nil || !reflect.DeepEqual(again, opts) {
			t.Fatalf("re-encoded options %s decode to %v, %v", b, again, err)
		}
	})
}

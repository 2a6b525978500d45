package brokers_test

import (
	"encoding/base64"
	"testing"

	"github.com/kennel-sdk/kennel/examples/kafka/brokers"
)

// FuzzParseClusterID: what ParseClusterID accepts is exactly the unpadded
// base64url encoding of 16 bytes.
func FuzzParseClusterID(f *testing.F) {
	for _, s := range []string{"q1Sh-9_ISia_zwGINzRvyQ", "", "AAAAAAAAAAAAAAAAAAAAAA", "q1Sh-9_ISia_zwGINzRvyR", "q1Sh+9/ISia_zwGINzRvyQ=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := brokers.ParseClusterID(s)
		b, derr := base64.RawURLEncoding.DecodeString(s)
		want := derr == nil && len(b) == 16 && base64.RawURLEncoding.EncodeToString(b) == s
		if (err == nil) != want {
			t.Errorf("ParseClusterID(%q) = %v, want ok=%v", s, err, want)
		}
	})
}

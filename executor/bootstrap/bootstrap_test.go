package bootstrap

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name    string
		environ []string
		want    []Template
		wantErr []string // substrings of the error; nil means no error
	}{
		{
			name:    "none",
			environ: []string{"PATH=/bin", "CONFIG_TEMPLATEX=a,b", "HOME=/root"},
		},
		{
			name: "sorted by variable name, others ignored",
			environ: []string{
				"CONFIG_TEMPLATE_ZK=config-templates/zk,zk/zoo.cfg",
				"PATH=/bin",
				"CONFIG_TEMPLATE_SERVER_PROPERTIES=config-templates/server-properties,kafka/config/server.properties",
			},
			want: []Template{
				{Name: "SERVER_PROPERTIES", Src: "config-templates/server-properties", Dest: "kafka/config/server.properties"},
				{Name: "ZK", Src: "config-templates/zk", Dest: "zk/zoo.cfg"},
			},
		},
		{
			name:    "split at the first comma, absolute dest",
			environ: []string{"CONFIG_TEMPLATE_A=src/a,/etc/a,b.conf"},
			want:    []Template{{Name: "A", Src: "src/a", Dest: "/etc/a,b.conf"}},
		},
		{
			name:    "last entry wins",
			environ: []string{"CONFIG_TEMPLATE_A=x", "CONFIG_TEMPLATE_A=s,d"},
			want:    []Template{{Name: "A", Src: "s", Dest: "d"}},
		},
		{
			name: "malformed reported together, well-formed kept",
			environ: []string{
				"CONFIG_TEMPLATE_NOCOMMA=config-templates/a",
				"CONFIG_TEMPLATE_OK=s,d",
				"CONFIG_TEMPLATE_NOSRC=,d",
				"CONFIG_TEMPLATE_NODEST=s,",
				"CONFIG_TEMPLATE_=s,d",
				"CONFIG_TEMPLATE_DIR=s,conf/",
				"CONFIG_TEMPLATE_DOTDOT=s,conf/..",
				"CONFIG_TEMPLATE_NOEQ",
			},
			want: []Template{{Name: "OK", Src: "s", Dest: "d"}},
			wantErr: []string{
				`CONFIG_TEMPLATE_NOCOMMA="config-templates/a": want <src>,<dest>`,
				`CONFIG_TEMPLATE_NOSRC=",d": empty <src>`,
				`CONFIG_TEMPLATE_NODEST="s,": empty <dest>`,
				`CONFIG_TEMPLATE_="s,d": empty template name`,
				`CONFIG_TEMPLATE_DIR="s,conf/": <dest> "conf/" names a directory`,
				`CONFIG_TEMPLATE_DOTDOT="s,conf/..": <dest> "conf/.." names a directory`,
				`CONFIG_TEMPLATE_NOEQ: no '='`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FromEnv(tc.environ)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("templates = %+v, want %+v", got, tc.want)
			}
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			if n := len(strings.Split(err.Error(), "\n")); n != len(tc.wantErr) {
				t.Errorf("error has %d lines, want %d:\n%v", n, len(tc.wantErr), err)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// FuzzFromEnv checks that FromEnv never panics, returns templates sorted by
// unique name with non-empty fields, and that each template is what a
// re-encoding of it parses to.
func FuzzFromEnv(f *testing.F) {
	for _, s := range []string{
		"CONFIG_TEMPLATE_A=config-templates/a,conf/a.properties",
		"CONFIG_TEMPLATE_B=s,d,e\nCONFIG_TEMPLATE_A=x,y\nPATH=/bin",
		"CONFIG_TEMPLATE_=a,b\nCONFIG_TEMPLATE_C",
		"CONFIG_TEMPLATE_D=,\nCONFIG_TEMPLATE_E=a,b/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		environ := strings.Split(s, "\n")
		got, err := FromEnv(environ)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error %v does not wrap ErrMalformed", err)
		}
		prefixed := 0
		for _, kv := range environ {
			if strings.HasPrefix(kv, Prefix) {
				prefixed++
			}
		}
		if err == nil && prefixed > 0 && len(got) == 0 {
			t.Fatalf("no templates and no error for %q", environ)
		}
		if !slices.IsSortedFunc(got, func(a, b Template) int { return strings.Compare(a.Name, b.Name) }) {
			t.Fatalf("templates not sorted: %+v", got)
		}
		for i, tm := range got {
			if tm.Name == "" || tm.Src == "" || tm.Dest == "" || strings.Contains(tm.Src, ",") {
				t.Fatalf("bad template %+v", tm)
			}
			if i > 0 && got[i-1].Name == tm.Name {
				t.Fatalf("duplicate name %q", tm.Name)
			}
			again, err := FromEnv([]string{Prefix + tm.Name + "=" + tm.Src + "," + tm.Dest})
			if err != nil || len(again) != 1 || again[0] != tm {
				t.Fatalf("re-encoding %+v parses to %+v, %v", tm, again, err)
			}
		}
	})
}

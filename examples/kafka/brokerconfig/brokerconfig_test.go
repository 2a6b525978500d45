package brokerconfig

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/examples/kafka/props"
)

func parse(t *testing.T, s string) *props.Properties {
	t.Helper()
	p, err := props.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const rendered = `process.roles=broker,controller
node.id=2
controller.quorum.bootstrap.servers=127.0.1.1:31001,127.0.1.2:32001
listeners=CONTROLLER://:32001,PLAINTEXT://:32000
advertised.listeners=PLAINTEXT://127.0.1.3:32000
controller.listener.names=CONTROLLER
log.dirs=/sandbox/kafka-data/broker-2
`

func TestFromProperties(t *testing.T) {
	c, err := FromProperties(parse(t, rendered))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		NodeID:     2,
		Roles:      []string{"broker", "controller"},
		Listener:   Listener{Name: "PLAINTEXT", Protocol: "PLAINTEXT", Port: 32000},
		Advertised: Listener{Name: "PLAINTEXT", Protocol: "PLAINTEXT", Host: "127.0.1.3", Port: 32000},
		LogDirs:    []string{"/sandbox/kafka-data/broker-2"},
		Props:      c.Props,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got %+v\nwant %+v", c, want)
	}
	if !c.Listener.Wildcard() || c.Advertised.Wildcard() {
		t.Error("wildcard")
	}
}

func TestFromPropertiesVariants(t *testing.T) {
	c, err := FromProperties(parse(t, `process.roles = broker
node.id : 7
listeners = internal://[::1]:9094 , ext://10.0.0.1:9092
listener.security.protocol.map=INTERNAL:SASL_SSL,EXT:PLAINTEXT
controller.listener.names=
log.dir=/a
metadata.log.dir=/meta`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listener != (Listener{"INTERNAL", "SASL_SSL", "::1", 9094}) {
		t.Errorf("listener %+v", c.Listener)
	}
	if c.Advertised != (Listener{}) {
		t.Errorf("advertised %+v, want none", c.Advertised)
	}
	if got := c.Dirs(); !reflect.DeepEqual(got, []string{"/a", "/meta"}) {
		t.Errorf("Dirs = %v", got)
	}
}

func TestFromPropertiesErrors(t *testing.T) {
	base := map[string]string{
		"process.roles": "broker", "node.id": "1", "listeners": "PLAINTEXT://:9092", "log.dirs": "/d",
	}
	cases := []struct {
		change map[string]string
		want   string
	}{
		{map[string]string{"node.id": ""}, "node.id is required"},
		{map[string]string{"node.id": "-1"}, `node.id "-1" is not`},
		{map[string]string{"node.id": "x"}, `node.id "x" is not`},
		{map[string]string{"process.roles": ""}, "process.roles is required"},
		{map[string]string{"process.roles": "controller"}, "has no broker role"},
		{map[string]string{"listeners": ""}, "has no broker listener"},
		{map[string]string{"listeners": "CONTROLLER://:9093", "controller.listener.names": "controller"}, "has no broker listener"},
		{map[string]string{"listeners": "PLAINTEXT:9092"}, "is not NAME://host:port"},
		{map[string]string{"listeners": "PLAINTEXT://:99999"}, "is not 0-65535"},
		{map[string]string{"listeners": "PLAINTEXT://nohost"}, "missing port"},
		{map[string]string{"listeners": "CLIENT://:9092"}, "listener CLIENT has no security protocol"},
		{map[string]string{"listener.security.protocol.map": "CLIENT:SSL"}, "listener PLAINTEXT has no security protocol"},
		{map[string]string{"listener.security.protocol.map": "CLIENT"}, "is not NAME:PROTOCOL"},
		{map[string]string{"advertised.listeners": "PLAINTEXT://h"}, "advertised.listeners entry"},
		{map[string]string{"log.dirs": " , "}, "log.dirs is required"},
	}
	for _, tc := range cases {
		p := &props.Properties{}
		for k, v := range base {
			if nv, ok := tc.change[k]; ok {
				v = nv
			}
			p.Set(k, v)
		}
		for k, v := range tc.change {
			if _, ok := base[k]; !ok {
				p.Set(k, v)
			}
		}
		_, err := FromProperties(p)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.change, err, tc.want)
		}
	}
}

// FuzzFromProperties: any file either is refused with ErrInvalid or yields
// a broker listener that is not a controller listener, with a port in
// range, and at least one log dir.
func FuzzFromProperties(f *testing.F) {
	f.Add([]byte(rendered))
	f.Add([]byte("process.roles=broker\nnode.id=0\nlisteners=SSL://[::1]:1,X://h:2\nlistener.security.protocol.map=X:SASL_SSL,SSL:SSL\nlog.dir=/d"))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := props.Parse(in)
		if err != nil {
			return
		}
		c, err := FromProperties(p)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		controllers, _ := p.Get("controller.listener.names")
		for _, name := range strings.Split(strings.ToUpper(controllers), ",") {
			if strings.TrimSpace(name) == c.Listener.Name {
				t.Fatalf("broker listener %s is a controller listener", name)
			}
		}
		if c.Listener.Port < 0 || c.Listener.Port > 65535 || c.Listener.Protocol == "" || len(c.LogDirs) == 0 || c.NodeID < 0 {
			t.Fatalf("config %+v", c)
		}
	})
}

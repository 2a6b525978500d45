package brokers_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/kennel-sdk/kennel/examples/kafka/brokers"
	"github.com/kennel-sdk/kennel/scheduler"
)

type failing struct{}

func (failing) Tasks(context.Context) ([]scheduler.TaskView, error) {
	return nil, errors.New("store down")
}

// TestBootstrap: the topic API's bootstrap addresses are the live
// brokers' advertised listeners, in node id order; a store error is an
// error.
func TestBootstrap(t *testing.T) {
	for _, c := range []struct {
		name string
		src  brokers.TaskSource
		want []string
		err  bool
	}{
		{"cluster", cluster(), []string{"127.0.1.1:31000", "127.0.1.3:33000", "127.0.1.4:34000"}, false},
		{"none", tasks{}, nil, false},
		{"store error", failing{}, nil, true},
	} {
		got, err := brokers.Bootstrap(c.src)(context.Background())
		if (err != nil) != c.err || !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, %v; want %v (error %v)", c.name, got, err, c.want, c.err)
		}
	}
}

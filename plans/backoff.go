package plans

import (
	"math"
	"time"
)

// BackoffPolicy spaces out relaunches of a failing task: after the n-th
// consecutive failure the task waits Initial × Factor^(n-1), at most Max.
// A task that reaches its goal, is replaced, or is restarted by an operator
// starts again from nothing.
type BackoffPolicy struct {
	Initial  time.Duration
	Factor   float64
	Max      time.Duration
	Disabled bool
}

// DefaultBackoff is the policy of a zero BackoffPolicy: 10s, doubling, at
// most 5 minutes.
var DefaultBackoff = BackoffPolicy{Initial: 10 * time.Second, Factor: 2, Max: 5 * time.Minute}

func (b BackoffPolicy) orDefault() BackoffPolicy {
	if b == (BackoffPolicy{}) {
		return DefaultBackoff
	}
	return b
}

// Delay is the wait after the n-th consecutive failure (n ≥ 1).
func (b BackoffPolicy) Delay(n int) time.Duration {
	b = b.orDefault()
	if b.Disabled || n < 1 {
		return 0
	}
	d := float64(b.Initial) * math.Pow(b.Factor, float64(n-1))
	if d > float64(b.Max) || math.IsInf(d, 0) || math.IsNaN(d) {
		return b.Max
	}
	return time.Duration(d)
}

package bootstrap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// EnvURLVariable is the variable through which the scheduler tells
// `kennel bootstrap` that some of the environment values a service
// computes for the task's pod instance were still pending at launch, and
// where to fetch them (scheduler.EnvURLVariable).
const EnvURLVariable = "KENNEL_ENV_URL"

// ErrEnvPending is wrapped by FetchEnv's error when ctx ended while the
// scheduler still had values pending.
var ErrEnvPending = errors.New("environment values still pending")

// instanceEnv is the scheduler's answer (api/wire.InstanceEnv): status 200
// with the values, or 503 with the values and, in Pending, what they wait
// for.
type instanceEnv struct {
	Values  map[string]string `json:"values"`
	Pending string            `json:"pending"`
}

// FetchEnv fetches from url the environment values the scheduler computes
// for the task's pod instance, asking again every interval while some are
// pending, the scheduler cannot be reached, fails (5xx) or is not serving
// (a 503 without the values), until it has them all or ctx ends. waiting is called with each new reason to wait (the
// scheduler's words, or the failure to reach it). Any other answer (404,
// a body that is not the expected JSON) is an error at once.
func FetchEnv(ctx context.Context, client *http.Client, url string, interval time.Duration, waiting func(string)) (map[string]string, error) {
	last := ""
	for {
		env, retry, err := fetchOnce(ctx, client, url)
		if err == nil && env.Pending == "" {
			return env.Values, nil
		}
		if err != nil && !retry {
			return nil, err
		}
		reason := env.Pending
		if err != nil {
			reason = err.Error()
		}
		if reason != last {
			waiting(reason)
			last = reason
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %s", ErrEnvPending, reason)
		case <-time.After(interval):
		}
	}
}

// fetchOnce asks once; retry says whether a failure may pass.
func fetchOnce(ctx context.Context, client *http.Client, url string) (instanceEnv, bool, error) {
	var env instanceEnv
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return env, false, fmt.Errorf("environment values: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return env, true, fmt.Errorf("environment values: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return env, true, fmt.Errorf("environment values: %w", err)
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusServiceUnavailable:
	case http.StatusBadGateway, http.StatusGatewayTimeout, http.StatusInternalServerError:
		return env, true, fmt.Errorf("environment values: %s answered %s", url, resp.Status)
	default:
		return env, false, fmt.Errorf("environment values: %s answered %s: %s", url, resp.Status, body)
	}
	if err := json.Unmarshal(body, &env); err != nil {
		// A 503 that is not the values' JSON is a scheduler not serving
		// yet (a standby waiting for the service's lock): ask again.
		retry := resp.StatusCode == http.StatusServiceUnavailable
		return env, retry, fmt.Errorf("environment values from %s (%s): %w", url, resp.Status, err)
	}
	if resp.StatusCode == http.StatusServiceUnavailable && env.Pending == "" {
		env.Pending = "the scheduler answered " + resp.Status
	}
	return env, false, nil
}

package adminrouter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// MarathonApps lists apps through Marathon's REST API, as Admin Router's
// cache does: GET <BaseURL>/v2/apps?embed=apps.tasks&label=DCOS_SERVICE_NAME.
type MarathonApps struct {
	// BaseURL is Marathon's, e.g. http://127.0.0.1:8080 (a trailing "/"
	// is ignored).
	BaseURL string
	// Client sends the request; nil is http.DefaultClient.
	Client *http.Client
}

// maxAppsBody bounds the response read from Marathon.
const maxAppsBody = 64 << 20

// ErrMarathon is wrapped by the error for a response that is not Marathon's
// app list.
var ErrMarathon = errors.New("marathon")

// Apps returns the apps that carry the DCOS_SERVICE_NAME label, with their
// tasks.
func (m MarathonApps) Apps(ctx context.Context) ([]App, error) {
	u := strings.TrimSuffix(m.BaseURL, "/") + "/v2/apps?embed=apps.tasks&label=" + LabelName
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("listing Marathon's apps: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	client := m.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("listing Marathon's apps: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAppsBody+1))
	if err != nil {
		return nil, fmt.Errorf("listing Marathon's apps: reading the response: %w", err)
	}
	if len(body) > maxAppsBody {
		return nil, fmt.Errorf("listing Marathon's apps: %w: the response exceeds %d bytes", ErrMarathon, maxAppsBody)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("listing Marathon's apps: %w: %s: %s", ErrMarathon, resp.Status, excerpt(body))
	}
	apps, err := ParseApps(body)
	if err != nil {
		return nil, fmt.Errorf("listing Marathon's apps: %w", err)
	}
	return apps, nil
}

// marathonApps is the part of Marathon's GET /v2/apps?embed=apps.tasks
// response that routing reads (mesosphere/marathon
// docs/docs/rest-api/public/api/v2: apps.raml's AppList, types/app.raml,
// types/enrichedTask.raml).
type marathonApps struct {
	Apps *[]struct {
		ID     string            `json:"id"`
		Labels map[string]string `json:"labels"`
		Tasks  []struct {
			ID    string `json:"id"`
			State string `json:"state"`
			Host  string `json:"host"`
			Ports []int  `json:"ports"`
		} `json:"tasks"`
	} `json:"apps"`
}

// ParseApps parses the body of Marathon's GET /v2/apps?embed=apps.tasks,
// keeping only what routing reads. A body that is not a JSON object with
// an "apps" array is an error wrapping ErrMarathon.
func ParseApps(body []byte) ([]App, error) {
	var doc marathonApps
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%w: the app list is not JSON of its shape: %w", ErrMarathon, err)
	}
	if doc.Apps == nil {
		return nil, fmt.Errorf("%w: the app list has no \"apps\" array", ErrMarathon)
	}
	apps := make([]App, 0, len(*doc.Apps))
	for _, a := range *doc.Apps {
		app := App{ID: a.ID, Labels: a.Labels}
		for _, t := range a.Tasks {
			app.Tasks = append(app.Tasks, Task{ID: t.ID, State: t.State, Host: t.Host, Ports: t.Ports})
		}
		apps = append(apps, app)
	}
	return apps, nil
}

// excerpt is the start of body, for an error.
func excerpt(body []byte) string {
	const max = 200
	s := strings.TrimSpace(string(body))
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

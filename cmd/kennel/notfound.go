package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/kennel-sdk/kennel/api/client"
	"github.com/kennel-sdk/kennel/plans"
)

// listWhatExists adds to a scheduler's "X not found" the names there are,
// asked of the scheduler: "Plan deploi not found; the plans are: deploy,
// recovery". Other errors, and lists the scheduler does not give, pass
// through unchanged.
//
// For a phase or a step, args are the command's: the plan and the phase.
func listWhatExists(ctx context.Context, c *client.Client, err error, args []string) error {
	var apiErr *client.Error
	if !errors.Is(err, client.ErrNotFound) || !errors.As(err, &apiErr) {
		return err
	}
	if strings.HasPrefix(apiErr.Message, "UNKNOWN_TOPIC_OR_PARTITION: ") { // Kafka's /v1/topics/<topic>
		return listed(apiErr, "topics", topicNames(ctx, c))
	}
	if !strings.HasSuffix(apiErr.Message, " not found") {
		return err
	}
	var (
		kind  string
		names []string
		lerr  error
	)
	switch first, _, _ := strings.Cut(apiErr.Message, " "); first {
	case "Plan":
		kind = "plans"
		names, lerr = c.Plans(ctx)
	case "Pod":
		kind = "pod instances"
		names, lerr = c.Pods(ctx)
	case "Endpoint":
		kind = "endpoints"
		names, lerr = c.Endpoints(ctx)
	case "Configuration":
		kind = "configurations"
		names, lerr = c.Configurations(ctx)
	case "Property":
		kind = "properties"
		names, lerr = c.Properties(ctx)
	case "Phase", "Step":
		if len(args) < 2 || first == "Step" && len(args) < 3 {
			return err
		}
		var info plans.PlanInfo
		if info, _, lerr = c.Plan(ctx, args[0]); lerr != nil {
			return err
		}
		kind = "phases of " + args[0]
		if first == "Step" {
			kind = "steps of " + args[0] + "/" + args[1]
		}
		for _, ph := range info.Phases {
			if first == "Phase" {
				names = append(names, ph.Name)
			} else if ph.Name == args[1] || ph.ID == args[1] {
				for _, st := range ph.Steps {
					names = append(names, st.Name)
				}
			}
		}
	default:
		return err
	}
	if lerr != nil {
		return err
	}
	return listed(apiErr, kind, names)
}

// listed is apiErr's message with the names of its kind there are.
func listed(apiErr *client.Error, kind string, names []string) error {
	list := "none"
	if len(names) > 0 {
		list = strings.Join(names, ", ")
	}
	return &client.Error{Code: apiErr.Code, Message: apiErr.Message + "; the " + kind + " are: " + list}
}

// topicNames are the Kafka service's topics (none when it does not say).
func topicNames(ctx context.Context, c *client.Client) []string {
	body, err := c.Call(ctx, http.MethodGet, nil, "topics")
	var names []string
	if err == nil {
		_ = json.Unmarshal(body, &names)
	}
	return names
}

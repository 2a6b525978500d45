package main

import (
	"context"
	"errors"
	"strings"

	"github.com/kennel-sdk/kennel/api/client"
)

// listWhatExists adds to a scheduler's "X not found" the names there are,
// asked of the scheduler: "Plan deploi not found; the plans are: deploy,
// recovery". Other errors, and lists the scheduler does not give, pass
// through unchanged.
func listWhatExists(ctx context.Context, c *client.Client, err error) error {
	var apiErr *client.Error
	if !errors.Is(err, client.ErrNotFound) || !errors.As(err, &apiErr) || !strings.HasSuffix(apiErr.Message, " not found") {
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
	default:
		return err
	}
	if lerr != nil {
		return err
	}
	list := "none"
	if len(names) > 0 {
		list = strings.Join(names, ", ")
	}
	return &client.Error{Code: apiErr.Code, Message: apiErr.Message + "; the " + kind + " are: " + list}
}

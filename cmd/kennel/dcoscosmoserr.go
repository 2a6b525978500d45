package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/kennel-sdk/kennel/deploy/cosmos"
)

// explainServiceCosmos explains an error of Cosmos's service describe or
// update. As dcos-<module> (module not ""), the Cosmos errors the DC/OS
// Commons CLI words itself (cli/client/cosmos.go: BadVersionUpdate,
// JsonSchemaMismatch, AppIdChanged, MarathonAppNotFound) get its words, so that
// both binaries say the same; any other error is explainCosmos's.
func explainServiceCosmos(stderr io.Writer, err error, optionsFile, module, service string) error {
	var ce *cosmos.Error
	if module == "" || !errors.As(err, &ce) {
		return explainCosmos(stderr, err, optionsFile)
	}
	var text string
	switch ce.Type {
	case "BadVersionUpdate":
		text = fmt.Sprintf("Unable to update %s to requested version: %s\n", service, dataString(ce.Data["updateVersion"]))
		if valid := dataStrings(ce.Data["validVersions"]); len(valid) > 0 {
			text += "Valid package versions are:\n- " + strings.Join(valid, "\n- ")
		} else {
			text += "No valid package versions to update to."
		}
	case "JsonSchemaMismatch":
		var b strings.Builder
		fmt.Fprintf(&b, "Unable to update %s to requested configuration: options JSON failed validation.\n\n", service)
		tw := tabwriter.NewWriter(&b, 0, 4, 1, ' ', 0)
		fmt.Fprintf(tw, "Field\tError\t\n")
		fmt.Fprintf(tw, "-----\t-----\t")
		errs, _ := ce.Data["errors"].([]any)
		for _, e := range errs {
			m, _ := e.(map[string]any)
			inst, _ := m["instance"].(map[string]any)
			fmt.Fprintf(tw, "\n%s\t%s\t", dataString(inst["pointer"]), dataString(m["message"]))
		}
		_ = tw.Flush()
		text = b.String()
	case "AppIdChanged":
		oldID, newID := dataString(ce.Data["oldAppId"]), dataString(ce.Data["newAppId"])
		text = fmt.Sprintf("Could not update service name from \"%s\" to \"%s\".\n"+
			"The service name cannot be changed once installed. Ensure service.name is set to \"%s\" in options JSON.",
			oldID, newID, oldID)
	case "MarathonAppNotFound":
		text = fmt.Sprintf("Unable to find the service named '%s'.\nPossible causes:\n"+
			"- Did you provide the correct service name? Specify a service name with '--name=<name>', or with 'dcos config set %s.service_name <name>'.\n"+
			"- Was the service recently installed or updated? It may still be initializing, wait a bit and try again.", service, module)
	default: // Cosmos's message, as the DC/OS CLI prints it
		text = err.Error()
	}
	fmt.Fprintln(stderr, text)
	return exitError{code: 1}
}

// dataStrings is a JSON array of strings in a Cosmos error's data.
func dataStrings(v any) []string {
	vs, _ := v.([]any)
	out := make([]string, 0, len(vs))
	for _, s := range vs {
		out = append(out, dataString(s))
	}
	return out
}

// dataString is a string in a Cosmos error's data; "" when it is absent, as
// the DC/OS Commons CLI's decoding leaves it.
func dataString(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

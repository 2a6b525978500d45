package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/api/client"
)

// apiCommands are the command groups that talk to a service's scheduler.
// module is the DC/OS CLI module when running as dcos-<module>, else "".
func apiCommands(module string) []*cobra.Command {
	return []*cobra.Command{planCommand(module), podCommand(module), endpointsCommand(module),
		describeCommand(module), stateCommand(module), debugCommand(module), updateCommand(module),
		tlsCommand(module), topicCommand(module), brokerCommand(module), userCommand(module)}
}

// apiRun is a command's work once its client exists.
type apiRun func(cmd *cobra.Command, args []string, c *client.Client) error

// runE makes the client the flags designate and runs fn with it. Errors
// from the scheduler are explained on stderr and become exit status 1.
func (f *apiFlags) runE(fn apiRun) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c, err := f.client()
		if err != nil {
			return err
		}
		return explain(cmd.ErrOrStderr(), listWhatExists(cmd.Context(), c, fn(cmd, args, c), args), f.module != "")
	}
}

// alreadyReported is the DC/OS CLI's words for a 208.
const alreadyReported = "Cannot execute command. Command has already been issued or the plan has completed."

// Hints for a 401 or 403: the token to set, Kennel's or (run as
// dcos-<module>) the DC/OS CLI's.
const (
	unauthorized     = "the scheduler refused the request: unauthorized (set --token / KENNEL_TOKEN)"
	unauthorizedDCOS = "the scheduler refused the request: unauthorized (log in to DC/OS with `dcos auth login`, " +
		"which sets core.dcos_acs_token, or set $DCOS_ACS_TOKEN)"
)

// explain prints what went wrong in an operator's words and returns the
// exit status to end with. An exitError passes through unchanged. dcos
// says the binary runs as dcos-<module>, whose token comes from the DC/OS
// CLI's login.
func explain(stderr io.Writer, err error, dcos bool) error {
	if err == nil {
		return nil
	}
	var exit exitError
	if errors.As(err, &exit) {
		return err
	}
	var apiErr *client.Error
	var msg string
	switch {
	case errors.Is(err, client.ErrAlreadyReported):
		msg = alreadyReported
	case errors.Is(err, client.ErrUnauthorized) && dcos:
		msg = unauthorizedDCOS
	case errors.Is(err, client.ErrUnauthorized):
		msg = unauthorized
	case errors.Is(err, client.ErrNotFound) && errors.As(err, &apiErr):
		msg = apiErr.Message
	case errors.Is(err, client.ErrUnreachable):
		msg = err.Error()
	case errors.As(err, &apiErr):
		msg = fmt.Sprintf("the scheduler answered %d %s: %s", apiErr.Code, http.StatusText(apiErr.Code), apiErr.Message)
	default:
		msg = err.Error()
	}
	if !dcos { // the DC/OS CLI's words stay as it prints them
		msg = errorPrefix + msg
	}
	fmt.Fprintln(stderr, msg)
	return exitError{code: 1}
}

// errorPrefix starts every error kennel prints: "kennel: <what>: <why>",
// as main prints the errors commands return. Run as dcos-<module>, the
// messages the DC/OS CLI prints are reproduced without it.
const errorPrefix = "kennel: "

// printJSON writes v as indented JSON and a newline; a json.RawMessage or
// []byte holding JSON is re-indented as it is.
func printJSON(out io.Writer, v any) error {
	var raw []byte
	switch r := v.(type) {
	case json.RawMessage:
		raw = r
	case []byte:
		raw = r
	default:
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "%s\n", b)
		return err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return fmt.Errorf("the scheduler's answer is not JSON: %w", err)
	}
	b.WriteByte('\n')
	_, err := out.Write(b.Bytes())
	return err
}

// printRaw writes a body that may be JSON (indented then) or text.
func printRaw(out io.Writer, body []byte) error {
	if json.Valid(body) {
		return printJSON(out, body)
	}
	if _, err := out.Write(body); err != nil {
		return err
	}
	if len(body) > 0 && body[len(body)-1] != '\n' {
		_, err := io.WriteString(out, "\n")
		return err
	}
	return nil
}

// jsonFlag registers --json on cmd.
func jsonFlag(cmd *cobra.Command) *bool {
	return cmd.Flags().Bool("json", false, "print the scheduler's JSON")
}

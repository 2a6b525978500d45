package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/api/client"
	"github.com/kennel-sdk/kennel/examples/kafka/topics"
)

// userCommand is `user add|remove|list`: the Kafka service's SASL/SCRAM-
// SHA-512 users, over the Kafka scheduler's /v1/users routes. DC/OS Kafka
// had no such command. The password is read from standard input (its
// first line) or --password-file, never from the command line, where
// process listings and shell histories would show it.
func userCommand(module string) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage the Kafka service's SCRAM-SHA-512 users (/v1/users)"}

	add := &cobra.Command{Use: "add NAME", Short: "Create a user, or change its password (read from standard input)", Args: cobra.ExactArgs(1)}
	passwordFile := add.Flags().String("password-file", "", "read the password from this file's first line instead of standard input")
	addFlags := newAPIFlags(add, module)
	jsonFlag(add)
	add.RunE = addFlags.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		if err := topics.CheckUserName(args[0]); err != nil {
			return statusError{err: err, code: 2}
		}
		password, err := readPassword(cmd.InOrStdin(), *passwordFile)
		if err != nil {
			return statusError{err: err, code: 2}
		}
		body, err := c.CallBody(cmd.Context(), http.MethodPut, topics.UserRequest{Password: password}, nil, "users", args[0])
		if err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), body)
	})

	cmd.AddCommand(add,
		kafkaAPICommand(module, &cobra.Command{Use: "remove NAME", Short: "Remove a user's SCRAM credentials", Args: cobra.ExactArgs(1)},
			func(args []string) (string, url.Values, []string, error) {
				return http.MethodDelete, nil, []string{"users", args[0]}, nil
			}),
		kafkaAPICommand(module, &cobra.Command{Use: "list", Short: "List the users with SCRAM credentials", Args: cobra.NoArgs},
			kafkaGet("users")))
	return cmd
}

// errNoPassword is an empty password source.
var errNoPassword = errors.New("no password: give it on standard input or in --password-file")

// readPassword is the first line of file, or of in without one.
func readPassword(in io.Reader, file string) (string, error) {
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return "", err
		}
		defer f.Close()
		in = f
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errNoPassword
	}
	return line, nil
}

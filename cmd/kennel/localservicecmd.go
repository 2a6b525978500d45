package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/deploy/local"
)

func localServiceCommand(cf *clusterFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "service", Short: "Steer the service \"kennel local up --service\" runs"}
	var values specFlags
	restart := &cobra.Command{
		Use:   "restart NAME",
		Short: "Restart a local service's scheduler with new values; its deploy plan rolls the pods they change",
		Long: `Restarts the scheduler of the service NAME that "kennel local up --service"
runs on the cluster in --data-dir, and only it: the cluster and the tasks stay.
The new scheduler renders svc.yml, read again, against svc.env (read again),
local up's --env-file and -e, then the values of every restart so far and
those of this one (-e, --env-file), the latest winning; as DC/OS Commons
does for a changed configuration, its deploy plan then rolls the pods whose
configuration changed, as its strategy says (serial: one at a time). Its API
keeps its URL, unless another socket holds the port for good and --api-port
did not fix it: the new URL is then recorded for --name.

Values that make no valid spec are refused with the spec's errors, and the
running scheduler stays as it was. When the new scheduler refuses the
configuration (a change the spec's update rules forbid, such as a smaller
volume), it is restarted with the previous values, and the command prints why
and exits 1.`,
		Args:        cobra.ExactArgs(1),
		Annotations: map[string]string{noMaster: "true"},
		RunE: func(cmd *cobra.Command, args []string) error {
			env, err := values.environment("")
			if err != nil {
				return err
			}
			dataDir := cf.dataDir
			if dataDir == "" {
				if dataDir, err = local.DefaultDataDir(); err != nil {
					return err
				}
			}
			return restartLocalService(cmd.Context(), dataDir, args[0], env, cmd.OutOrStdout())
		},
	}
	restart.Flags().StringArrayVarP(&values.env, "env", "e", nil, "set `KEY=VALUE` for the spec (repeatable; wins over files)")
	restart.Flags().StringArrayVar(&values.envFiles, "env-file", nil, "read KEY=VALUE lines from `FILE` (repeatable; later files win)")
	cmd.AddCommand(restart)
	return cmd
}

// restartLocalService asks the "local up" running the service name on the
// cluster in dataDir to restart its scheduler with env added to its values.
func restartLocalService(ctx context.Context, dataDir, name string, env map[string]string, out io.Writer) error {
	b, err := os.ReadFile(controlURLFile(dataDir, name))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no service %q runs on the local cluster in %s; %s", name, dataDir, localServicesList(dataDir))
	}
	if err != nil {
		return err
	}
	body, err := json.Marshal(restartRequest{Env: env})
	if err != nil {
		return err
	}
	control := strings.TrimSpace(string(b))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, control+controlPath, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("the local up running %s (%s) does not answer: %w", name, control, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return errors.New(strings.TrimSpace(string(msg)))
	}
	var reply restartReply
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
		return fmt.Errorf("the local up's answer: %w", err)
	}
	set := "its values"
	if len(env) > 0 {
		set = strings.Join(assignments(env), " ")
	}
	fmt.Fprintf(out, "%s: the scheduler restarted with %s at %s\n", name, set, reply.URL)
	info, err := fetchPlan(ctx, reply.URL+"/v1/plans/deploy")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "deploy plan %s: kennel plan status --name %s\n", info.Status, name)
	return nil
}

// localServicesList says which services run on the local cluster in
// dataDir: those whose control URL is recorded.
func localServicesList(dataDir string) string {
	files, _ := filepath.Glob(filepath.Join(dataDir, "services", "*", "control-url"))
	var names []string
	for _, f := range files {
		names = append(names, strings.ReplaceAll(filepath.Base(filepath.Dir(f)), "__", "/"))
	}
	if len(names) == 0 {
		return `none runs there (is "kennel local up --service" running?)`
	}
	slices.Sort(names)
	return "the services there are: " + strings.Join(names, ", ")
}

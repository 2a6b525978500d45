package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

// dcosConfig is what the DC/OS CLI's configuration says about reaching
// services: core.dcos_url, core.dcos_acs_token, core.ssl_verify ("true",
// "false" or the path of a CA bundle) and, for a module, its
// <module>.service_name.
type dcosConfig struct {
	url, token, sslVerify string
	// serviceName is <module>.service_name: the service a dcos-<module>
	// binary drives by default; "" when unset or without a module.
	serviceName string
}

// loadDCOSConfig reads the DC/OS CLI's configuration the way the DC/OS
// Commons CLI does (reference/dcos-commons.md §5.3), except that it never
// runs `dcos config show`. Each key comes from its environment variable if
// set (dcosEnv), else from the TOML file of the attached cluster
// ($DCOS_DIR/clusters/<id>/dcos.toml beside an "attached" file, or the
// cluster named $DCOS_CLUSTER), else from $DCOS_CONFIG or
// $DCOS_DIR/dcos.toml. DCOS_DIR defaults to ~/.dcos. A key a found file
// lacks is empty. module, when not "", adds the key <module>.service_name.
// core.dcos_url must be set.
func loadDCOSConfig(module string) (dcosConfig, error) {
	const url, token, sslVerify = "core.dcos_url", "core.dcos_acs_token", "core.ssl_verify"
	keys := []string{url, token, sslVerify}
	serviceName := module + ".service_name"
	if module != "" {
		keys = append(keys, serviceName)
	}
	values := map[string]string{}
	needsFile := false
	for _, k := range keys {
		values[k] = dcosEnv(k)
		needsFile = needsFile || values[k] == ""
	}
	if needsFile {
		file, err := dcosConfigFile()
		if err != nil {
			return dcosConfig{}, err
		}
		if file != "" {
			doc, err := readDCOSFile(file)
			if err != nil {
				return dcosConfig{}, err
			}
			for _, k := range keys {
				if values[k] == "" {
					values[k] = tomlValue(doc, k)
				}
			}
		}
	}
	cfg := dcosConfig{url: values[url], token: values[token], sslVerify: values[sslVerify]}
	if module != "" {
		cfg.serviceName = values[serviceName]
	}
	if cfg.url == "" {
		return cfg, errors.New("no DC/OS cluster: core.dcos_url is not set (attach one with `dcos cluster setup`, or set $DCOS_URL)")
	}
	return cfg, nil
}

// dcosEnv returns the environment's value of the DC/OS CLI configuration
// key section.name, as the DC/OS CLI names its variables: DCOS_<NAME> for
// a core key, where a core.dcos_* key has DCOS_DCOS_<...> too
// (core.dcos_url is $DCOS_URL, else $DCOS_DCOS_URL); DCOS_<SECTION>_<NAME>
// for any other key (beta-kafka.service_name is
// $DCOS_BETA_KAFKA_SERVICE_NAME), upper-cased with "-" and "." as "_".
func dcosEnv(key string) string {
	section, name, _ := strings.Cut(key, ".")
	if section != "core" {
		name = section + "_" + name
	}
	env := "DCOS_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(name))
	if short, ok := strings.CutPrefix(env, "DCOS_DCOS_"); ok && section == "core" {
		if v := os.Getenv("DCOS_" + short); v != "" {
			return v
		}
	}
	return os.Getenv(env)
}

// tomlValue returns key section.name of a decoded DC/OS CLI TOML file
// ([section] name = value) as text, or "" when it is not there.
func tomlValue(doc map[string]any, key string) string {
	section, name, _ := strings.Cut(key, ".")
	table, ok := doc[section].(map[string]any)
	if !ok {
		return ""
	}
	v, ok := table[name]
	if !ok {
		return ""
	}
	return fmt.Sprint(v)
}

// dcosConfigFile returns the DC/OS CLI's TOML file in use, or "" if there
// is none.
func dcosConfigFile() (string, error) {
	dir := os.Getenv("DCOS_DIR")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("DC/OS CLI config: %w", err)
		}
		dir = filepath.Join(home, ".dcos")
	}
	if file, err := attachedCluster(dir, os.Getenv("DCOS_CLUSTER")); file != "" || err != nil {
		return file, err
	}
	file := os.Getenv("DCOS_CONFIG")
	if file == "" {
		file = filepath.Join(dir, "dcos.toml")
	}
	if _, err := os.Stat(file); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", nil
		}
		return "", fmt.Errorf("DC/OS CLI config: %w", err)
	}
	return file, nil
}

// attachedCluster returns the dcos.toml of the cluster named name (its
// cluster.name or its directory's name), or when name is "" of the
// cluster whose directory has an "attached" file; "" if there is none.
func attachedCluster(dcosDir, name string) (string, error) {
	dirs, err := filepath.Glob(filepath.Join(dcosDir, "clusters", "*"))
	if err != nil {
		return "", err
	}
	for _, d := range dirs {
		file := filepath.Join(d, "dcos.toml")
		if _, err := os.Stat(file); err != nil {
			continue
		}
		if name == "" {
			if _, err := os.Stat(filepath.Join(d, "attached")); err == nil {
				return file, nil
			}
			continue
		}
		if filepath.Base(d) == name {
			return file, nil
		}
		var c struct {
			Cluster struct{ Name string } `toml:"cluster"`
		}
		if _, err := toml.DecodeFile(file, &c); err == nil && c.Cluster.Name == name {
			return file, nil
		}
	}
	if name != "" {
		return "", fmt.Errorf("DC/OS CLI config: no cluster named %q (DCOS_CLUSTER) in %s", name, filepath.Join(dcosDir, "clusters"))
	}
	return "", nil
}

// readDCOSFile decodes a DC/OS CLI TOML file.
func readDCOSFile(file string) (map[string]any, error) {
	doc := map[string]any{}
	if _, err := toml.DecodeFile(file, &doc); err != nil {
		return nil, fmt.Errorf("DC/OS CLI config: %w", err)
	}
	return doc, nil
}

// dcosServiceURL is the base URL of a service's API behind Admin Router:
// dcos_url without trailing "/" and "#/", its path replaced by
// /service/<service>.
func dcosServiceURL(dcosURL, service string) (string, error) {
	for trimmed := ""; trimmed != dcosURL; {
		trimmed = dcosURL
		dcosURL = strings.TrimSuffix(strings.TrimSuffix(dcosURL, "/"), "#")
	}
	u, err := url.Parse(dcosURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("core.dcos_url %q is not a URL", dcosURL)
	}
	u.Path = "/service/" + strings.Trim(service, "/")
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	return u.String(), nil
}

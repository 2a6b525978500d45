package servicespec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"

	"github.com/kennel-sdk/kennel/servicespec/mustache"
)

// MaxTemplateSize bounds one config template. Templates are stored inside
// every configuration, and a ZooKeeper node holds at most 1 MB.
const MaxTemplateSize = 256 << 10

// readTemplates loads the template of every config that does not carry its
// content yet, checks its Mustache syntax and stores it in the spec.
func (d *decoder) readTemplates(s *ServiceSpec, fsys fs.FS) {
	for pi := range s.Pods {
		pod := &s.Pods[pi]
		for ti := range pod.Tasks {
			task := &pod.Tasks[ti]
			for _, name := range slices.Sorted(maps.Keys(task.Configs)) {
				c := task.Configs[name]
				p := fmt.Sprintf("pods.%s.tasks.%s.configs.%s.template", pod.Name, task.Name, name)
				if c.TemplateContent == "" {
					content, err := readTemplate(fsys, c.Template)
					if err != nil {
						d.errAt(p, "%v", err)
						continue
					}
					c.TemplateContent = content
				}
				if _, err := mustache.Parse(c.Template, c.TemplateContent); err != nil {
					d.errAt(p, "template %v", err)
					continue
				}
				task.Configs[name] = c
			}
		}
	}
}

func readTemplate(fsys fs.FS, name string) (string, error) {
	clean := path.Clean(name)
	if path.IsAbs(name) || !fs.ValidPath(clean) {
		return "", fmt.Errorf("template path %q must be relative to the spec's directory and stay inside it", name)
	}
	f, err := fsys.Open(clean)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("template %q does not exist (paths are relative to the spec's directory)", name)
		}
		return "", fmt.Errorf("cannot read template %q: %w", name, err)
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, MaxTemplateSize+1))
	if err != nil {
		return "", fmt.Errorf("cannot read template %q: %w", name, err)
	}
	if len(content) > MaxTemplateSize {
		return "", fmt.Errorf("template %q is larger than %d KiB", name, MaxTemplateSize>>10)
	}
	return string(content), nil
}

import { type Project, satisfies } from '../../discover/project.ts';
import { defineCheck, fail, pass, skip } from '../types.ts';
import { type ContainerContext, SERVICE } from './context.ts';

export interface PythonVersionFacts {
  name: string;
  image: string;
  service: string | null;
  python: { version: string; from: string } | null;
  want: Project['python'] | null;
}

export const check = defineCheck<PythonVersionFacts, ContainerContext>({
  meta: {
    id: 'docker.python_version',
    layer: 'runtime',
    title: "the image's Python satisfies the project's requirement",
    docs: "Compares the image's Python (PYTHON_VERSION of the official images, python3 inside the running container, or the python3 link) with requires-python (pyproject.toml), runtime.txt or .python-version in the container's working directory. A base image older than the code fails at import on newer syntax or stdlib names.",
    gatesDeploy: true,
  },
  async gather(ctx) {
    const [c, python, project] = await Promise.all([ctx.inspect(), ctx.pythonVersion(), ctx.project()]);
    return {
      name: ctx.name,
      image: c?.Config.Image ?? '?',
      service: c?.Config.Labels?.[SERVICE] ?? null,
      python,
      want: project?.python ?? null,
    };
  },
  judge({ name, image, service, python, want }) {
    if (!python) return skip(`no Python found in ${name}'s image`);
    if (!want) return pass(`Python ${python.version} (the project states no requirement)`);
    if (!satisfies(python.version, want.spec))
      return fail(
        `Python ${python.version} in ${image}, the project asks for ${want.spec} (${want.from})`,
        [`${python.version}: ${python.from}`],
        [
          `# in the Dockerfile: FROM an image with a Python that satisfies ${want.spec} (python:3.X-slim), then`,
          service
            ? `docker compose build ${service} && docker compose up -d ${service}`
            : `docker build -t ${image} .`,
        ],
      );
    return pass(`Python ${python.version} satisfies ${want.spec} (${want.from})`);
  },
});

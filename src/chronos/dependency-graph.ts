// The job DAG behind Chronos's dependent jobs (its JobGraph): every job is a vertex, an edge runs from
// a parent to a child, and per-edge invocation counts decide when a child with several parents runs.
// Pure and in memory, like Chronos's, whose counts are lost on failover too (issue #811).

export class GraphError extends Error {
  override name = 'GraphError';
}

interface Edge {
  readonly parent: string;
  readonly child: string;
  /** Parent successes since the child last started (JobGraph.edgeInvocationCount). */
  invocations: number;
}

/** What the CSV export shows of a job besides its name. */
export interface GraphNodeView {
  /** success, failure or fresh (see lastState in job.ts). */
  lastState: string;
  /** idle, queued, running or "N running". */
  state: string;
}

export class DependencyGraph {
  private readonly parentEdges = new Map<string, Map<string, Edge>>(); // child -> parent -> edge
  private readonly childEdges = new Map<string, Map<string, Edge>>(); // parent -> child -> edge
  private readonly edges = new Set<Edge>(); // in insertion order, for the CSV

  has(name: string): boolean {
    return this.parentEdges.has(name);
  }

  /** Every job, in the order added. */
  jobNames(): string[] {
    return [...this.parentEdges.keys()];
  }

  /** Adds a job (a scheduled one has no parents). Throws a GraphError as setParents does. */
  addJob(name: string, parents: readonly string[] = []): void {
    if (name === '')
      throw new GraphError(
        'requirement failed: In order to be added to the graph, the vertex must have a name',
      );
    if (this.has(name)) throw new GraphError(`requirement failed: Vertex already exists in graph ${name}`);
    this.checkParents(name, parents);
    this.parentEdges.set(name, new Map());
    this.childEdges.set(name, new Map());
    this.setParents(name, parents);
  }

  /**
   * Replaces a job's parents (none for a job that became a scheduled one). Throws a GraphError if a
   * parent is unknown or the edges would close a cycle. As in Chronos, a changed set of parents starts
   * all of the job's counts again from zero; an unchanged one keeps them.
   */
  setParents(name: string, parents: readonly string[]): void {
    const current = this.parentEdges.get(name);
    if (!current) throw new GraphError(`requirement failed: Vertex ${name} doesn't exist`);
    this.checkParents(name, parents);
    const wanted = new Set(parents);
    if (wanted.size === current.size && [...wanted].every((p) => current.has(p))) return;
    for (const parent of [...current.keys()]) this.removeEdge(parent, name);
    for (const parent of wanted) {
      const edge: Edge = { parent, child: name, invocations: 0 };
      current.set(parent, edge);
      this.childEdges.get(parent)!.set(name, edge);
      this.edges.add(edge);
    }
  }

  /** Removes a job and every edge to or from it; its children keep their other parents. */
  removeJob(name: string): void {
    if (!this.has(name)) throw new GraphError(`requirement failed: Vertex ${name} doesn't exist`);
    for (const parent of this.parents(name)) this.removeEdge(parent, name);
    for (const child of this.children(name)) this.removeEdge(name, child);
    this.parentEdges.delete(name);
    this.childEdges.delete(name);
  }

  parents(name: string): string[] {
    return [...(this.parentEdges.get(name)?.keys() ?? [])];
  }

  children(name: string): string[] {
    return [...(this.childEdges.get(name)?.keys() ?? [])];
  }

  /** The named parents that are not in the graph (3.x accepts a new dependent job with some: #815). */
  unknownParents(parents: readonly string[]): string[] {
    return [...new Set(parents)].filter((p) => !this.has(p));
  }

  /** Whether giving `name` these parents would close a cycle (itself, or one of its descendants). */
  wouldCreateCycle(name: string, parents: readonly string[]): boolean {
    if (parents.includes(name)) return true;
    const descendants = new Set<string>();
    const stack = this.children(name);
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (descendants.has(next)) continue;
      descendants.add(next);
      stack.push(...this.children(next));
    }
    return parents.some((p) => descendants.has(p));
  }

  /**
   * A parent succeeded (or failed with softError): the children to run now, per Chronos's
   * getExecutableChildren. A child with one parent runs after each of its successes. A child with
   * several counts the successes per edge and runs when this edge's count is the lowest of its edges,
   * i.e. once every parent has succeeded since the child last started. Counting happens even for
   * children the caller then does not run (disabled ones).
   */
  recordSuccess(parent: string): string[] {
    const ready: string[] = [];
    for (const [child, edge] of this.childEdges.get(parent) ?? []) {
      const siblings = this.parentEdges.get(child)!;
      if (siblings.size === 1) {
        ready.push(child);
        continue;
      }
      edge.invocations += 1;
      const lowest = Math.min(...[...siblings.values()].map((e) => e.invocations));
      if (edge.invocations === lowest) ready.push(child);
    }
    return ready;
  }

  /**
   * A job started running (TASK_RUNNING), or was marked successful by hand: its parents' successes
   * are used up and counting starts again (JobGraph.resetDependencyInvocations).
   */
  recordChildRun(child: string): void {
    for (const edge of this.parentEdges.get(child)?.values() ?? []) edge.invocations = 0;
  }

  /**
   * GET /v1/scheduler/graph/csv: a `node,<name>,<lastState>,<state>` line per job, then a
   * `link,<parent>,<child>` line per edge, each ending in a newline.
   */
  toCsv(describe: (name: string) => GraphNodeView): string {
    const nodes = this.jobNames().map((name) => {
      const { lastState, state } = describe(name);
      return `node,${name},${lastState},${state}\n`;
    });
    const links = [...this.edges].map((e) => `link,${e.parent},${e.child}\n`);
    return nodes.join('') + links.join('');
  }

  /**
   * GET /v1/scheduler/graph/dot: the DAG for Graphviz, each job filled by its last outcome (green
   * success, red failure, grey fresh), as Chronos's JobGraph.makeDotFile draws it.
   */
  toDot(describe: (name: string) => GraphNodeView): string {
    const colors: Record<string, string> = { success: 'green', failure: 'red', fresh: 'lightgrey' };
    const quote = (name: string): string => `"${name.replace(/"/g, '\\"')}"`;
    const lines = ['digraph G {', '  node [style=filled];'];
    for (const name of this.jobNames()) {
      const { lastState } = describe(name);
      lines.push(`  ${quote(name)} [fillcolor=${colors[lastState] ?? 'white'}];`);
    }
    for (const e of this.edges) lines.push(`  ${quote(e.parent)} -> ${quote(e.child)};`);
    lines.push('}');
    return lines.join('\n') + '\n';
  }

  private checkParents(name: string, parents: readonly string[]): void {
    if (this.wouldCreateCycle(name, parents))
      throw new GraphError(`the parents [${parents.join(', ')}] of ${name} would form a cycle`);
    if (this.unknownParents(parents).length > 0)
      throw new GraphError(`requirement failed: JobSchedule ${name} does not have all parents defined!`);
  }

  private removeEdge(parent: string, child: string): void {
    const edge = this.parentEdges.get(child)?.get(parent);
    if (!edge) return;
    this.parentEdges.get(child)!.delete(parent);
    this.childEdges.get(parent)!.delete(child);
    this.edges.delete(edge);
  }
}

/**
 * Triangle meshes as text: Wavefront OBJ (`v x y z`, `f a b c`, 1-based) and ASCII PLY 1.0 (vertex x, y, z as
 * double; face as a list of int), coordinates in shortest round-trip decimal so a reader gets the same doubles.
 * Isomorphic: strings only, the caller writes the file.
 */

/** The mesh a writer needs: positions (x, y, z per vertex) and triangles (three 0-based vertex ids each). */
export interface TriangleMesh {
  positions: Float64Array;
  triangles: Int32Array;
}

/** Mesh formats by file extension. */
export type MeshFormat = "obj" | "ply";

/** The format a file name asks for (`.obj` or `.ply`, any case), or undefined. */
export function meshFormatOf(path: string): MeshFormat | undefined {
  const m = /\.(obj|ply)$/i.exec(path);
  return m ? (m[1].toLowerCase() as MeshFormat) : undefined;
}

/** Wavefront OBJ text; `comments` become `#` lines at the top. */
export function meshToObj(mesh: TriangleMesh, comments: string[] = []): string {
  const parts: string[] = comments.map((c) => `# ${c}`);
  const P = mesh.positions;
  for (let v = 0; v < P.length; v += 3) parts.push(`v ${P[v]} ${P[v + 1]} ${P[v + 2]}`);
  const T = mesh.triangles;
  for (let t = 0; t < T.length; t += 3) parts.push(`f ${T[t] + 1} ${T[t + 1] + 1} ${T[t + 2] + 1}`);
  return parts.join("\n") + "\n";
}

/** ASCII PLY text; `comments` become `comment` lines in the header. */
export function meshToPly(mesh: TriangleMesh, comments: string[] = []): string {
  const P = mesh.positions;
  const T = mesh.triangles;
  const parts = [
    "ply",
    "format ascii 1.0",
    ...comments.map((c) => `comment ${c.replace(/[\r\n]/g, " ")}`),
    `element vertex ${P.length / 3}`,
    "property double x",
    "property double y",
    "property double z",
    `element face ${T.length / 3}`,
    "property list uchar int vertex_indices",
    "end_header",
  ];
  for (let v = 0; v < P.length; v += 3) parts.push(`${P[v]} ${P[v + 1]} ${P[v + 2]}`);
  for (let t = 0; t < T.length; t += 3) parts.push(`3 ${T[t]} ${T[t + 1]} ${T[t + 2]}`);
  return parts.join("\n") + "\n";
}

/** Parse OBJ or ASCII PLY text written by these writers (and simple files like them) back into a mesh. */
export function parseMesh(text: string, format: MeshFormat): TriangleMesh {
  const positions: number[] = [];
  const triangles: number[] = [];
  const lines = text.split("\n");
  if (format === "obj") {
    for (const line of lines) {
      const w = line.trim().split(/\s+/);
      if (w[0] === "v") positions.push(Number(w[1]), Number(w[2]), Number(w[3]));
      else if (w[0] === "f") {
        // A polygon face as a fan of triangles; `v/vt/vn` keeps its vertex index.
        const idx = w.slice(1).map((t) => Number(t.split("/")[0]) - 1);
        for (let k = 1; k + 1 < idx.length; k++) triangles.push(idx[0], idx[k], idx[k + 1]);
      }
    }
  } else {
    let i = lines.indexOf("end_header") + 1;
    const nv = Number(/element vertex (\d+)/.exec(text)?.[1] ?? 0);
    const nf = Number(/element face (\d+)/.exec(text)?.[1] ?? 0);
    for (let v = 0; v < nv; v++, i++) positions.push(...lines[i].trim().split(/\s+/).slice(0, 3).map(Number));
    for (let f = 0; f < nf; f++, i++) {
      const w = lines[i].trim().split(/\s+/).map(Number);
      for (let k = 2; k < w[0]; k++) triangles.push(w[1], w[k], w[k + 1]);
    }
  }
  return { positions: Float64Array.from(positions), triangles: Int32Array.from(triangles) };
}

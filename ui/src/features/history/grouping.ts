import type { Generation } from "../../api/types";

export interface HistoryRow {
  gen: Generation;
  /** 0 for a lone generation or the first take of a group; 1.. for further takes. */
  take: number;
  groupSize: number;
}

/** Keep the server's order, but pull the takes of one variation group together. */
export function groupVariations(items: Generation[]): HistoryRow[] {
  const groups = new Map<string, Generation[]>();
  for (const g of items) {
    if (!g.group_id) continue;
    const list = groups.get(g.group_id) ?? [];
    list.push(g);
    groups.set(g.group_id, list);
  }
  const rows: HistoryRow[] = [];
  const emitted = new Set<string>();
  for (const g of items) {
    if (!g.group_id) {
      rows.push({ gen: g, take: 0, groupSize: 1 });
      continue;
    }
    if (emitted.has(g.group_id)) continue;
    emitted.add(g.group_id);
    const takes = [...(groups.get(g.group_id) ?? [g])].sort((a, b) => a.id - b.id);
    takes.forEach((t, i) => rows.push({ gen: t, take: i, groupSize: takes.length }));
  }
  return rows;
}

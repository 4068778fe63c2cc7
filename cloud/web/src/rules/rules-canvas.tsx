import { useEffect, useLayoutEffect, useRef, useState, type PointerEvent, type MouseEvent, type ReactNode } from 'react';
import type { PointConfig } from '../../../../protocol/rule-geometry.js';
import { useI18n } from '../i18n/i18n.js';
import { moveZonePoint, removeZonePoint, roundCoord, updateLine, type RuleSetDraft } from './rule-set-draft.js';

/** What the pointer does on the picture. */
export type DrawMode = 'select' | 'zone' | 'line';

/** The zone or line picked in the picture or in the lists. */
export type Selection = { kind: 'zone' | 'line'; index: number } | null;

/** Distinct on the dark walkway greys and on each other; a zone keeps its colour by position. */
export const ZONE_COLOURS = ['#39ff88', '#ffd23f', '#3ad1ff', '#ff7ae0', '#ff9f43', '#b48cff'];
export const zoneColour = (i: number): string => ZONE_COLOURS[i % ZONE_COLOURS.length] ?? '#39ff88';
const LINE_COLOUR = '#ff5a5a';
/** Pixels within which a click on the first vertex closes the polygon being drawn. */
const CLOSE_RADIUS_PX = 12;

type Drag = { kind: 'zone'; index: number; point: number } | { kind: 'line'; index: number; end: 'a' | 'b' };

export interface RulesCanvasProps {
  imageUrl: string | null;
  /** Shown in place of the picture while there is none. */
  emptyText: string;
  draft: RuleSetDraft;
  mode: DrawMode;
  selection: Selection;
  /** Indexes of zones and lines the cloud named in a refusal: drawn in red. */
  badZones: ReadonlySet<number>;
  badLines: ReadonlySet<number>;
  onChange: (draft: RuleSetDraft) => void;
  onSelect: (selection: Selection) => void;
  /** A polygon was closed (on its first vertex or by a double click). */
  onZoneDrawn: (points: PointConfig[]) => void;
  onLineDrawn: (a: PointConfig, b: PointConfig) => void;
  /** Escape while drawing. */
  onCancelDraw: () => void;
}

/**
 * The camera's current picture with its zones, lines and masks drawn over it. The overlay is an SVG
 * in the picture's own pixel size (measured, so vertex handles stay round and labels upright at any
 * width), while the rule set stays in normalised coordinates.
 */
export function RulesCanvas(props: RulesCanvasProps): ReactNode {
  const { imageUrl, emptyText, draft, mode, selection, badZones, badLines, onChange, onSelect, onZoneDrawn, onLineDrawn, onCancelDraw } = props;
  const { t } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const svg = useRef<SVGSVGElement>(null);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [pending, setPending] = useState<PointConfig[]>([]);
  const [cursor, setCursor] = useState<PointConfig | null>(null);
  const [drag, setDrag] = useState<Drag | null>(null);
  // The click that ends a drag lands on the SVG (it holds the pointer): it must not deselect.
  const dragged = useRef(false);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = (): void => setSize({ w: el.clientWidth, h: el.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // A new mode starts a new drawing.
  useEffect(() => setPending([]), [mode]);

  useEffect(() => {
    if (mode === 'select') return;
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') {
        setPending([]);
        onCancelDraw();
      } else if (e.key === 'Backspace' && !(e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement)) {
        e.preventDefault();
        setPending((p) => p.slice(0, -1));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [mode, onCancelDraw]);

  const { w, h } = size;
  const px = (p: readonly [number, number]): [number, number] => [p[0] * w, p[1] * h];
  const pointsAttr = (pts: readonly (readonly [number, number])[]): string => pts.map((p) => px(p).join(',')).join(' ');
  const pointOf = (e: { clientX: number; clientY: number }): PointConfig => {
    const r = svg.current?.getBoundingClientRect();
    if (!r || r.width === 0 || r.height === 0) return [0, 0];
    return [roundCoord((e.clientX - r.left) / r.width), roundCoord((e.clientY - r.top) / r.height)];
  };
  const nearPx = (a: PointConfig, b: PointConfig): boolean => Math.hypot((a[0] - b[0]) * w, (a[1] - b[1]) * h) <= CLOSE_RADIUS_PX;

  const finishZone = (points: PointConfig[]): void => {
    setPending([]);
    onZoneDrawn(points);
  };

  const onClick = (e: MouseEvent<SVGSVGElement>): void => {
    // The second click of a double click: the double click itself finishes the polygon.
    if (e.detail > 1) return;
    if (dragged.current) {
      dragged.current = false;
      return;
    }
    const p = pointOf(e);
    if (mode === 'zone') {
      const first = pending[0];
      if (first && pending.length >= 3 && nearPx(first, p)) finishZone(pending);
      else setPending([...pending, p]);
    } else if (mode === 'line') {
      const a = pending[0];
      if (!a) setPending([p]);
      else if (!nearPx(a, p)) {
        setPending([]);
        onLineDrawn(a, p);
      }
    } else {
      onSelect(null);
    }
  };
  const onDoubleClick = (): void => {
    if (mode === 'zone' && pending.length >= 2) finishZone(pending);
  };
  const onPointerMove = (e: PointerEvent<SVGSVGElement>): void => {
    const p = pointOf(e);
    if (mode !== 'select') setCursor(p);
    if (!drag) return;
    dragged.current = true;
    if (drag.kind === 'zone') onChange(moveZonePoint(draft, drag.index, drag.point, p));
    else onChange(updateLine(draft, drag.index, { [drag.end]: p }));
  };
  const startDrag = (e: PointerEvent<SVGElement>, d: Drag): void => {
    if (mode !== 'select' || e.button !== 0) return;
    e.stopPropagation();
    svg.current?.setPointerCapture(e.pointerId);
    dragged.current = false;
    setDrag(d);
  };
  const endDrag = (e: PointerEvent<SVGSVGElement>): void => {
    if (!drag) return;
    if (svg.current?.hasPointerCapture(e.pointerId)) svg.current.releasePointerCapture(e.pointerId);
    setDrag(null);
  };

  const label = (x: number, y: number, text: string, colour: string, key: string): ReactNode => (
    <text key={key} x={x} y={y} className="rules-label" fill={colour}>
      {text}
    </text>
  );

  return (
    <div className={`rules-canvas mode-${mode}`} ref={box} data-testid="rules-canvas">
      {imageUrl ? <img src={imageUrl} alt={t('rules.snapshot')} draggable={false} data-testid="rules-snapshot" /> : <div className="rules-canvas-empty">{emptyText}</div>}
      {w > 0 && h > 0 && (
        <svg
          ref={svg}
          className="rules-overlay"
          width={w}
          height={h}
          viewBox={`0 0 ${w} ${h}`}
          data-testid="rules-overlay"
          onClick={onClick}
          onDoubleClick={onDoubleClick}
          onPointerMove={onPointerMove}
          onPointerUp={endDrag}
          onPointerCancel={endDrag}
          onPointerLeave={() => setCursor(null)}
        >
          {draft.masks.map((m, i) => (
            <polygon key={`mask-${i}`} className="rules-mask" points={pointsAttr(m.points)} />
          ))}
          {draft.zones.map((z, i) => {
            const colour = badZones.has(i) ? LINE_COLOUR : zoneColour(i);
            const selected = selection?.kind === 'zone' && selection.index === i;
            const top = z.points.reduce<PointConfig | undefined>((best, p) => (best === undefined || p[1] < best[1] ? p : best), undefined);
            const [lx, ly] = top ? px(top) : [0, 0];
            return (
              <g key={`zone-${i}`} data-testid="zone-shape" data-zone-id={z.id} className={selected ? 'selected' : undefined}>
                <polygon
                  points={pointsAttr(z.points)}
                  className={badZones.has(i) ? 'rules-zone bad' : 'rules-zone'}
                  style={{ stroke: colour, fill: colour }}
                  onClick={(e) => {
                    if (mode !== 'select') return;
                    e.stopPropagation();
                    onSelect({ kind: 'zone', index: i });
                  }}
                />
                {top && label(Math.min(lx, w - 120), ly > 22 ? ly - 8 : ly + 18, z.name ? `${z.id} · ${z.name}` : z.id, colour, 'label')}
              </g>
            );
          })}
          {draft.lines.map((l, i) => {
            const [ax, ay] = px(l.a);
            const [bx, by] = px(l.b);
            const selected = selection?.kind === 'line' && selection.index === i;
            const colour = badLines.has(i) ? '#ff9a9a' : LINE_COLOUR;
            return (
              <g key={`line-${i}`} data-testid="line-shape" data-line-id={l.id} className={selected ? 'selected' : undefined}>
                <line
                  x1={ax}
                  y1={ay}
                  x2={bx}
                  y2={by}
                  className="rules-line"
                  style={{ stroke: colour }}
                  onClick={(e) => {
                    if (mode !== 'select') return;
                    e.stopPropagation();
                    onSelect({ kind: 'line', index: i });
                  }}
                />
                {label(ax + 8, ay - 6, 'A', colour, 'a')}
                {label(bx + 8, by - 6, 'B', colour, 'b')}
                {label((ax + bx) / 2 + 8, (ay + by) / 2 + 18, l.name ? `${l.id} · ${l.name}` : l.id, colour, 'name')}
              </g>
            );
          })}
          {selection?.kind === 'zone' &&
            draft.zones[selection.index]?.points.map((p, k) => {
              const [x, y] = px(p);
              return (
                <circle
                  key={`h-${k}`}
                  cx={x}
                  cy={y}
                  r={7}
                  className="rules-handle"
                  data-testid="zone-handle"
                  onPointerDown={(e) => startDrag(e, { kind: 'zone', index: selection.index, point: k })}
                  onClick={(e) => e.stopPropagation()}
                  onContextMenu={(e) => {
                    // Right click takes a vertex out (a polygon needs three; the cloud says so if fewer remain).
                    e.preventDefault();
                    onChange(removeZonePoint(draft, selection.index, k));
                  }}
                >
                  <title>{t('rules.vertexHint')}</title>
                </circle>
              );
            })}
          {selection?.kind === 'line' &&
            (['a', 'b'] as const).map((end) => {
              const line = draft.lines[selection.index];
              if (!line) return null;
              const [x, y] = px(line[end]);
              return (
                <circle
                  key={`h-${end}`}
                  cx={x}
                  cy={y}
                  r={7}
                  className="rules-handle"
                  data-testid="line-handle"
                  onPointerDown={(e) => startDrag(e, { kind: 'line', index: selection.index, end })}
                  onClick={(e) => e.stopPropagation()}
                />
              );
            })}
          {pending.length > 0 && (
            <g className="rules-pending" data-testid="pending-shape">
              <polyline points={pointsAttr(cursor ? [...pending, cursor] : pending)} />
              {pending.map((p, k) => {
                const [x, y] = px(p);
                const closing = mode === 'zone' && k === 0 && pending.length >= 3;
                return <circle key={k} cx={x} cy={y} r={closing ? 9 : 5} className={closing ? 'closing' : undefined} />;
              })}
            </g>
          )}
        </svg>
      )}
    </div>
  );
}

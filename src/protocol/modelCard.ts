/**
 * Messages of the Open Model Card panel. The card itself is not a message: it is rendered (escaped) on the host and
 * is the page, so the page's script only runs the toolbar, scrolls to a section and remembers where it was.
 */
import { z } from 'zod';

export const CARD_EXPORT_FORMATS = ['html', 'md'] as const;
export type CardExportFormat = (typeof CARD_EXPORT_FORMATS)[number];

/** Page → host. */
export const ModelCardWebviewMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('refresh') }),
  z.object({ type: z.literal('export'), format: z.enum(CARD_EXPORT_FORMATS) }),
]);
export type ModelCardWebviewMessage = z.infer<typeof ModelCardWebviewMessageSchema>;

/** Host → page. */
export type ModelCardHostMessage =
  | { type: 'scrollTo'; section: string }
  | { type: 'status'; text: string };

/** What the page saves (vscode.setState) so the panel comes back after a window reload. */
export const ModelCardStateSchema = z.object({
  root: z.string().min(1),
  model: z.string().min(1),
  version: z.number().int().positive(),
  scrollY: z.number().nonnegative().optional(),
});
export type ModelCardState = z.infer<typeof ModelCardStateSchema>;

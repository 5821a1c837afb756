import { z } from 'zod';
import { MAX_BYTES } from '../limits';

/** An allocation or a pool: a positive number of bytes (there is no "unlimited"). */
export const bytes = z.number().int().min(1).max(MAX_BYTES);
export const isoTime = z.iso.datetime({ offset: false });

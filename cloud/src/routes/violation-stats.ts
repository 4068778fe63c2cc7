import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CodedError,
  ErrorReply,
  HygieneQuery,
  HygieneResponse,
  STATS_MAX_DAILY_RANGE_DAYS,
  ViolationRankingQuery,
  ViolationRankingResponse,
  ViolationSummaryQuery,
  ViolationSummaryResponse,
  ViolationTrendQuery,
  ViolationTrendResponse,
} from '../../../protocol/index.js';
import { checkWindow, ViolationStats } from '../stats/violation-stats.js';

const DEFAULT_RANKING_LIMIT = 10;

/**
 * Violation statistics, each scoped to the caller's sites (administrators: all), over `[from, to)`
 * (epoch ms, at most two years), with calendar buckets in China Standard Time (UTC+8, no DST):
 * - `GET /api/stats/violations/summary`: totals, by type, severity and state; 整改率, 按时处置率, 误报率,
 *   overdue now, escalated;
 * - `GET /api/stats/violations/trend?bucket=day|week|month&groupBy=type|none`: every bucket, zeros too;
 * - `GET /api/stats/violations/ranking?by=site|org|camera|type&limit&orgKind`;
 * - `GET /api/stats/hygiene`: the hygiene score of each kitchen (see stats/hygiene-score.ts).
 */
const violationStatsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireUser);
  app.addHook('onRequest', app.requirePermission('stats.read'));
  const stats = new ViolationStats(app.db);

  app.get(
    '/api/stats/violations/summary',
    {
      schema: {
        summary: 'Violation totals of [from, to): by type, severity and state; rectification, on-time and false-alarm rates',
        querystring: ViolationSummaryQuery,
        response: { 200: ViolationSummaryResponse, '4xx': ErrorReply },
      },
    },
    async (request) => {
      const window = checkWindow(request.query.from, request.query.to);
      return stats.summary(window, request.scope, Date.now());
    },
  );

  app.get(
    '/api/stats/violations/trend',
    {
      schema: {
        summary: 'Violations per day, ISO week or month in China Standard Time (UTC+8), empty buckets as 0',
        querystring: ViolationTrendQuery,
        response: { 200: ViolationTrendResponse, '4xx': ErrorReply },
      },
    },
    async (request) => {
      const { from, to, bucket, groupBy = 'none' } = request.query;
      const window =
        bucket === 'day'
          ? checkWindow(from, to, STATS_MAX_DAILY_RANGE_DAYS, 'a daily trend (use bucket=week or month for longer)')
          : checkWindow(from, to);
      return stats.trend(window, request.scope, bucket, groupBy === 'type');
    },
  );

  app.get(
    '/api/stats/violations/ranking',
    {
      schema: {
        summary: 'Violations ranked by site, org (subtree rolled up), camera or type',
        querystring: ViolationRankingQuery,
        response: { 200: ViolationRankingResponse, '4xx': ErrorReply },
      },
    },
    async (request) => {
      const { from, to, by, limit = DEFAULT_RANKING_LIMIT, orgKind } = request.query;
      if (orgKind !== undefined && by !== 'org') throw new CodedError('BAD_REQUEST', `orgKind applies to by=org only (got by=${by})`);
      return stats.ranking(checkWindow(from, to), request.scope, by, limit, Date.now(), orgKind);
    },
  );

  app.get(
    '/api/stats/hygiene',
    {
      schema: {
        summary: 'Hygiene score and grade (A–D) of each kitchen, with its components',
        querystring: HygieneQuery,
        response: { 200: HygieneResponse, '4xx': ErrorReply },
      },
    },
    async (request) => {
      const window = checkWindow(request.query.from, request.query.to);
      return stats.hygiene(window, request.scope, Date.now());
    },
  );
};
export default violationStatsRoutes;

/* Placeholder: the push handler ("push" and "notificationclick" listeners) is written by the push
 * part of issue 11; the service worker (sw.js) loads this file with importScripts. */

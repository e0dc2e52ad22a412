/** Style sheets imported for their effect: Vite bundles them with the module that imports them. */
declare module '*.css';
